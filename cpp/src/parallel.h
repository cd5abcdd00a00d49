// A persistent pool of native threads (no OpenMP runtime) and parallel_for over index ranges.
//
// The calling thread always takes part, so n threads means n - 1 workers. One call uses the pool
// at a time: a call that finds it busy (another Python thread is in a kernel) runs on its own
// thread instead, so many Python threads never deadlock and never oversubscribe the cores.
// Work is split into chunks whose boundaries do not depend on the thread count, and every kernel
// computes each element (or each reduction group) the same way in whatever chunk it falls, so
// results are bit-identical for any number of threads.
//
// A thread the system refuses to start (process or memory limits) is not an error: the pool keeps
// the workers it has, calls run on them (or on the caller alone), and the warning hook is told
// once. Lowering the thread count keeps the workers idle; raising it again reuses them.
//
// Fork: the child starts with no workers (they are not copied by fork) and builds a new pool on
// its first parallel call. The pool is never destroyed: at exit its idle workers end with the
// process, so interpreter shutdown never waits on them.
#pragma once

#include <cstddef>
#include <functional>

namespace fastact {

// The threads a parallel call may use (the caller included); at least 1.
int num_threads();
// Sets it (n >= 1; std::invalid_argument otherwise). Takes effect from the next call.
void set_num_threads(int n);
// CPUs this process may run on (sched_getaffinity where available): the default thread count.
int available_cpus();

// Where the pool reports, once, that the system refused a thread (set by the Python module to
// issue a RuntimeWarning). Called without any of the pool's locks held.
void set_thread_warning(void (*warn)(const char* message));

// Runs body(begin, end) over [0, n) in chunks of `chunk` indices (the last one shorter), spread
// over the pool when there are at least two chunks and more than one thread, else on the caller.
void parallel_for(std::size_t n, std::size_t chunk, const std::function<void(std::size_t, std::size_t)>& body);

// Elements per chunk for elementwise kernels of `bytes_per_element` bytes: a fixed size (so chunk
// boundaries never depend on the thread count), a multiple of 64 bytes and of every vector width.
// Arrays smaller than two chunks run on one thread: waking a worker costs more than they take.
std::size_t elementwise_chunk(std::size_t bytes_per_element);

}  // namespace fastact
