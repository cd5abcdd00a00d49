// Releases the GIL while a kernel runs, like py::gil_scoped_release, but with a destructor that
// may be unwound through. When a daemon thread comes back from a kernel while the interpreter is
// shutting down, CPython ends that thread inside PyEval_RestoreThread with pthread_exit, which
// unwinds the stack; through pybind11's noexcept(true) destructor that is std::terminate (an
// abort at exit; pybind11 issue 2215, PyTorch issue 38228). Declared noexcept(false), the unwind
// passes through to pybind11's dispatcher, which lets it through, and the thread simply ends.
#pragma once

#include <Python.h>

namespace fastact {

class GilRelease {
 public:
  GilRelease() : state_(PyEval_SaveThread()) {}
  ~GilRelease() noexcept(false) { PyEval_RestoreThread(state_); }
  GilRelease(const GilRelease&) = delete;
  GilRelease& operator=(const GilRelease&) = delete;

 private:
  PyThreadState* state_;
};

}  // namespace fastact
