#include "parallel.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#if defined(__linux__)
#include <pthread.h>
#include <sched.h>
#elif defined(__unix__) || defined(__APPLE__)
#include <pthread.h>
#endif

namespace fastact {
namespace {

// 64 KiB of input per chunk: small enough to split a 1M-element array 64 ways, large enough that
// claiming a chunk (one atomic) is noise.
constexpr std::size_t kChunkBytes = 64 * 1024;

// The caller runs the first chunk and times it: when the rest would take less than this on one
// thread, waking workers (10-20 us on the 2-core EPYC VM, measured) cannot pay for itself and the
// caller finishes alone. So relu goes parallel from ~1M elements, gelu from 2 chunks.
constexpr double kMinParallelSeconds = 40e-6;

// After a job, workers poll for the next one this long before sleeping on the condition
// variable: back-to-back calls (a training loop, a benchmark) then skip the wake-up.
constexpr double kSpinSeconds = 50e-6;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

struct Job {
  const std::function<void(std::size_t, std::size_t)>* body = nullptr;
  std::size_t n = 0;
  std::size_t chunk = 1;
  std::atomic<std::size_t> next{0};     // the next chunk index to claim
  std::atomic<std::size_t> pending{0};  // workers still inside this job
};

class Pool {
 public:
  // Read by calls without g_pool_mutex, while another thread may be growing the pool.
  int workers() const { return started_.load(); }

  // Starts workers until there are `workers`; returns false if the system refused a thread (the
  // pool then keeps those that did start). A worker that starts while a call runs may join it
  // (it takes a helper's place: the call's count of helpers does not change). Under g_pool_mutex.
  bool grow(int workers) {
    while (static_cast<int>(threads_.size()) < workers) {
      std::size_t seen;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        seen = generation_.load();
      }
      try {
        threads_.emplace_back([this, seen] { work(seen); });
      } catch (const std::system_error&) {
        return false;
      }
      started_.store(static_cast<int>(threads_.size()));
    }
    return true;
  }

  // Runs the job on up to `helpers` workers and the caller; returns when every chunk is done.
  void run(Job& job, int helpers) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      job_ = &job;
      job.pending.store(static_cast<std::size_t>(helpers));
      helpers_wanted_ = helpers;
      generation_.fetch_add(1);
    }
    wake_.notify_all();
    drain(job);
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [&] { return job.pending.load() == 0; });
    job_ = nullptr;
  }

  std::mutex& dispatch() { return dispatch_; }

 private:
  static void drain(Job& job) {
    const std::size_t chunks = (job.n + job.chunk - 1) / job.chunk;
    for (std::size_t c = job.next.fetch_add(1); c < chunks; c = job.next.fetch_add(1)) {
      const std::size_t begin = c * job.chunk;
      const std::size_t end = begin + job.chunk < job.n ? begin + job.chunk : job.n;
      (*job.body)(begin, end);
    }
  }

  void work(std::size_t seen) {
    for (;;) {
      Job* job;
      const auto spin_until = std::chrono::steady_clock::now() + std::chrono::duration<double>(kSpinSeconds);
      while (generation_.load(std::memory_order_acquire) == seen && std::chrono::steady_clock::now() < spin_until) {
        for (int i = 0; i < 64; ++i) cpu_relax();
      }
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return generation_.load() != seen && helpers_wanted_ > 0; });
        seen = generation_.load();
        --helpers_wanted_;
        job = job_;
      }
      drain(*job);
      if (job->pending.fetch_sub(1) == 1) {
        std::lock_guard<std::mutex> lock(mutex_);
        done_.notify_all();
      }
    }
  }

  std::vector<std::thread> threads_;  // touched only by grow()
  std::atomic<int> started_{0};       // threads_.size(), for readers without the lock
  std::mutex mutex_;              // guards job_, generation_, helpers_wanted_
  std::condition_variable wake_;  // workers wait for a new generation
  std::condition_variable done_;  // the caller waits for pending == 0
  Job* job_ = nullptr;
  std::atomic<std::size_t> generation_{0};  // written under mutex_, polled without it while spinning
  int helpers_wanted_ = 0;
  std::mutex dispatch_;  // one parallel call at a time
};

std::atomic<int> g_threads{0};  // 0: not set yet (available_cpus())
std::atomic<Pool*> g_pool{nullptr};
std::mutex g_pool_mutex;  // creating or growing the pool
std::atomic<bool> g_refused_warned{false};  // the "could not start threads" warning, once
std::atomic<void (*)(const char*)> g_warn{nullptr};

#if defined(__unix__) || defined(__APPLE__)
// Fork while a parallel call runs would copy a locked dispatch mutex and no workers: hold the
// dispatch lock across fork, and let the child start without a pool (the old one, whose threads
// do not exist there, is abandoned, never destroyed).
void before_fork() {
  g_pool_mutex.lock();
  if (Pool* p = g_pool.load()) p->dispatch().lock();
}
void after_fork_parent() {
  if (Pool* p = g_pool.load()) p->dispatch().unlock();
  g_pool_mutex.unlock();
}
void after_fork_child() {
  g_pool.store(nullptr);     // the workers were not copied: the next parallel call builds a pool
  g_pool_mutex.unlock();     // held by this thread since before_fork
}
#endif

// The pool, grown to `workers` workers if it has fewer (never replaced: the workers it has are
// reused, so changing the thread count back and forth starts no more threads than the largest
// count asks for). If the system refuses a thread, the pool keeps those it has, calls run on
// them, and the first refusal is reported through the warning hook.
Pool* pool_with(int workers) {
  bool refused = false;
  Pool* p;
  {
    std::lock_guard<std::mutex> lock(g_pool_mutex);
#if defined(__unix__) || defined(__APPLE__)
    static const bool registered = (pthread_atfork(before_fork, after_fork_parent, after_fork_child), true);
    (void)registered;
#endif
    p = g_pool.load();
    if (!p) {
      p = new Pool();
      g_pool.store(p);
    }
    if (p->workers() < workers) refused = !p->grow(workers);
  }
  // Outside g_pool_mutex: the hook takes the GIL, which another caller may hold while waiting here.
  if (refused && !g_refused_warned.exchange(true)) {
    if (auto warn = g_warn.load()) {
      const std::string message = "fastact could not start all " + std::to_string(workers + 1) +
                                  " threads asked for (the system refused a thread); calls use " +
                                  std::to_string(p->workers() + 1) + (p->workers() == 0 ? " thread" : " threads");
      warn(message.c_str());
    }
  }
  return p;
}

}  // namespace

int available_cpus() {
#if defined(__linux__)
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
#endif
  const unsigned n = std::thread::hardware_concurrency();
  return n > 0 ? static_cast<int>(n) : 1;
}

int num_threads() {
  const int n = g_threads.load();
  return n > 0 ? n : available_cpus();
}

void set_num_threads(int n) {
  if (n < 1) throw std::invalid_argument("number of threads must be at least 1, got " + std::to_string(n));
  g_threads.store(n);
}

void set_thread_warning(void (*warn)(const char* message)) { g_warn.store(warn); }

std::size_t elementwise_chunk(std::size_t bytes_per_element) { return kChunkBytes / bytes_per_element; }

void parallel_for(std::size_t n, std::size_t chunk, const std::function<void(std::size_t, std::size_t)>& body) {
  if (chunk == 0) chunk = 1;
  const std::size_t chunks = (n + chunk - 1) / chunk;
  // One chunk needs no thread count (asking the OS for this process's CPUs is a system call).
  const int threads = chunks < 2 ? 1 : num_threads();
  if (threads < 2) {
    if (n > 0) body(0, n);
    return;
  }
  Pool* pool = pool_with(threads - 1);
  std::unique_lock<std::mutex> busy(pool->dispatch(), std::try_to_lock);
  if (!busy.owns_lock()) {  // another call is using the pool: run here, alone
    body(0, n);
    return;
  }
  // The first chunk on this thread, timed: if the rest is too little work to share, finish here.
  const auto t0 = std::chrono::steady_clock::now();
  body(0, chunk);
  const double first = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (first * static_cast<double>(chunks - 1) < kMinParallelSeconds) {
    body(chunk, n);
    return;
  }
  Job job;
  job.body = &body;
  job.n = n;
  job.chunk = chunk;
  job.next.store(1);
  std::size_t helpers = chunks - 1;
  if (helpers > static_cast<std::size_t>(threads - 1)) helpers = static_cast<std::size_t>(threads - 1);
  if (helpers > static_cast<std::size_t>(pool->workers())) helpers = static_cast<std::size_t>(pool->workers());
  if (helpers == 0) {  // the system gave no worker: the caller does it all
    body(chunk, n);
    return;
  }
  pool->run(job, static_cast<int>(helpers));
}

}  // namespace fastact
