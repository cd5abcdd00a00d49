// The C types of the public op objects: _core.ElementwiseOp, which every elementwise activation
// is an instance of (elementwise_op.cpp), _core.GatedOp, the GLU family's (gated_op.cpp), _core.PReluOp, prelu's (prelu_op.cpp), and
// _core.RowOpBase, the C base class of softmax and
// log_softmax (row_op_object.cpp).
#pragma once

#include <pybind11/pybind11.h>

namespace fastact {

// Each creates its type and adds it to the module.
void add_elementwise_op(pybind11::module_& m);
void add_gated_op(pybind11::module_& m);
void add_prelu_op(pybind11::module_& m);
void add_row_op_base(pybind11::module_& m);

}  // namespace fastact
