// Which ISA's kernel table is in use. Chosen once at import (FASTACT_ISA or the best the CPU
// has), and switchable afterwards only through the private _core.set_isa used by the tests.
#pragma once

#include <string>
#include <vector>

#include "kernel_table.h"

namespace fastact {

const KernelTable& active_kernels();

// "auto" picks the best available ISA. Throws std::invalid_argument naming the choices for an
// unknown name, or for an ISA that was not compiled in or that this CPU cannot run.
void select_isa(const std::string& name);

std::vector<std::string> compiled_isas();
std::vector<std::string> available_isas();  // compiled in and runnable on this CPU, best first

}  // namespace fastact
