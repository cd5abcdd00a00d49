// The C base classes of the public op objects, whose common calls skip the Python layer:
// _core.ElementwiseOpBase of fastact.Activation (op_object.cpp) and _core.RowOpBase of softmax
// and log_softmax (row_op_object.cpp).
#pragma once

#include <pybind11/pybind11.h>

namespace fastact {

// Each creates its type and adds it to the module.
void add_elementwise_op_base(pybind11::module_& m);
void add_row_op_base(pybind11::module_& m);

}  // namespace fastact
