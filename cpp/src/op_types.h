// The C types of the public op objects, each taking every call of its family itself:
// _core.ElementwiseOp (elementwise_op.cpp), _core.GatedOp (the GLU family, gated_op.cpp),
// _core.PReluOp (prelu_op.cpp), _core.RowOp (softmax and log_softmax, row_op.cpp) and
// _core.LossOp (cross_entropy and binary_cross_entropy_with_logits, loss_op.cpp).
#pragma once

#include <pybind11/pybind11.h>

namespace fastact {

// Each creates its type and adds it to the module.
void add_elementwise_op(pybind11::module_& m);
void add_gated_op(pybind11::module_& m);
void add_prelu_op(pybind11::module_& m);
void add_row_op(pybind11::module_& m);
void add_loss_op(pybind11::module_& m);
// _core.unit_stats, the per-unit statistics of fastact.analysis (unit_stats.cpp).
void add_unit_stats(pybind11::module_& m);
// _core.logsumexp, the row reduction under fastact.logsumexp (logsumexp_op.cpp).
void add_logsumexp(pybind11::module_& m);

}  // namespace fastact
