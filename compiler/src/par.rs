//! Data parallelism: work done once per item (the per-service rules, the
//! services' own values in `check`, the base's services in `eval`, the
//! services the k8s backend writes), cut into contiguous chunks; a few
//! pieces of work the caller has sized itself (the pieces of a large file
//! the parser reads); and a queue of a few items of different cost that a
//! thread per CPU takes from (the environments and the base's rules in
//! `compile`, the environments' models, the backends of `emit --target
//! all`). Results come back in input order, so what a stage computes never
//! depends on the number of threads, only how fast it does.
//!
//! The work runs on a pool of threads that lives as long as the process
//! (rayon's, one pool per thread count): a stage hands its pieces to
//! threads that already exist, and a piece that is itself cut into chunks
//! (the rules of an environment the queue is checking) gives them to
//! whichever thread is idle instead of starting more threads than CPUs.
//! The number of threads is the CPUs this process may run on
//! ([`std::thread::available_parallelism`]: affinity and cgroup quota
//! included), unless [`set_threads`] says otherwise (the CLI's
//! `STACKC_THREADS`). Small inputs stay on the calling thread: handing
//! work over costs more than a few hundred services' work; a caller that
//! knows a whole job is small keeps all of its work there ([`alone_if`]).
//!
//! A closure given to these functions must not wait for a lock or a
//! `OnceLock` that a closure of another piece of work may hold while it
//! waits for its own pieces: a pool thread waiting for its pieces runs
//! other pieces meanwhile. (The base's services are evaluated inside a
//! `OnceLock`, in chunks; no chunk of any stage reads that lock.)
//!
//! What a thread allocates and keeps lives in that thread's allocator
//! heap. Threads that persist keep their heaps: memory a stage frees on a
//! pool thread is there for the next stage's work, where a thread started
//! per stage began with an empty heap and took fresh pages (and their
//! page faults) for everything it built. The CLI runs each command on a
//! pool thread ([`on_pool`]), so that the stages done on one thread and
//! those done in chunks share those heaps. Spreading work that builds
//! long-lived values costs memory: evaluating a world's services and
//! resolving their strings on two threads once raised the peak memory of
//! `check` from 108 to 135 MB at 5,000 services; evaluating the base's
//! services alone in chunks, now that the environments run beside each
//! other, costs under 1 MB. The rules cost 2 MB, reading a 3.3 MB file in
//! two pieces about as much, and checking two environments at once (two
//! worlds alive, the workers' heaps) about 20 MB.
//!
//! This module is a leaf: it knows nothing of the stages that use it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// Fewest items worth a thread of their own.
pub const MIN_CHUNK: usize = 256;

/// At most this many threads, however many CPUs there are: the work per
/// stage is too short for more to pay.
const MAX_THREADS: usize = 8;

/// 0: not set (the CPUs available).
static THREADS: AtomicUsize = AtomicUsize::new(0);

/// Sets how many threads the per-service stages use (1: none but the
/// caller's; 0: as many as CPUs available, the default).
pub fn set_threads(n: usize) {
    THREADS.store(n, Ordering::Relaxed);
}

/// The number of threads a stage may use.
pub fn threads() -> usize {
    static CPUS: OnceLock<usize> = OnceLock::new();
    match THREADS.load(Ordering::Relaxed) {
        0 => *CPUS.get_or_init(|| {
            std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
        }),
        n => n,
    }
    .clamp(1, MAX_THREADS)
}

thread_local! {
    /// Set while [`alone_if`] keeps the work on this thread.
    static ALONE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// `f()`, with every piece of work it hands to this module done on the
/// calling thread when `alone`: for a job too small to gain from threads
/// as a whole (checking a stack of a few hundred services, as the
/// language server does on each edit), where each hand-off to the pool
/// would cost more than the piece it hands off, and the pool's threads
/// would take fresh pages for what the caller's heap already has.
pub fn alone_if<R>(alone: bool, f: impl FnOnce() -> R) -> R {
    if !alone || ALONE.get() {
        return f();
    }
    /// Clears the flag however `f` ends.
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            ALONE.set(false);
        }
    }
    ALONE.set(true);
    let _reset = Reset;
    f()
}

/// The threads work handed over here may use: [`threads`], or one inside
/// [`alone_if`].
fn width() -> usize {
    if ALONE.get() {
        1
    } else {
        threads()
    }
}

/// How many chunks `len` items are cut into, none shorter than `min`.
fn chunks_for(len: usize, min: usize) -> usize {
    width().min(len / min.max(1)).max(1)
}

/// The chunk length that cuts `len` items into `n` chunks.
fn chunk_len(len: usize, n: usize) -> usize {
    len.div_ceil(n).max(1)
}

/// The stack of a pool thread: the main thread's (deeply nested values
/// recurse as deep there as on the caller).
const STACK: usize = 8 << 20;

/// `f` of each contiguous chunk of `items`, in order, on the pool (on the
/// calling thread when no thread can be started).
pub fn map_chunks<T: Sync, R: Send>(items: &[T], f: impl Fn(&[T]) -> R + Sync) -> Vec<R> {
    map_chunks_of(items, MIN_CHUNK, f)
}

/// [`map_chunks`] with chunks of at least `min` items (`usize::MAX`: one
/// chunk, on the calling thread).
pub fn map_chunks_of<T: Sync, R: Send>(
    items: &[T],
    min: usize,
    f: impl Fn(&[T]) -> R + Sync,
) -> Vec<R> {
    let n = chunks_for(items.len(), min);
    if n == 1 {
        return vec![f(items)];
    }
    run(items.chunks(chunk_len(items.len(), n)), f)
}

/// `f` of each item, in order, side by side on the pool (a thread that is
/// free takes the next item up): for a few pieces of work, such as the
/// pieces of a large file or the families of rules of a world.
pub fn map_each<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    run(items.iter(), f)
}

/// `f` of each item, in order, for a few items of very different cost
/// (the environments and the base's rules, the backends of `emit
/// --target all`): a thread per CPU, at most `at_most` (each thread holds
/// what its item builds), takes the next item not yet taken until none is
/// left, so a long item does not hold up the short ones behind it. Items
/// are taken in order: put the longest first.
pub fn map_queue<T: Sync, R: Send>(
    items: &[T],
    at_most: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let n = width().min(at_most).min(items.len());
    if n <= 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let take = |_taker: usize| {
        let mut done: Vec<(usize, R)> = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else {
                return done;
            };
            done.push((i, f(item)));
        }
    };
    let mut all: Vec<(usize, R)> = run(0..n, take).into_iter().flatten().collect();
    all.sort_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, r)| r).collect()
}

/// `a()` and `b()` side by side on the pool: `b` is short work the pool's
/// threads take up between `a`'s pieces, such as freeing a large tree
/// that `a` does not read. On the calling thread (one thread), `b` first:
/// what it frees is then there for `a` to reuse.
pub fn both<A: Send, B: Send>(
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    match place() {
        Place::Caller => {
            let b = b();
            (a(), b)
        }
        at => at.install(|| rayon::join(a, b)),
    }
}

/// Runs `f` on a thread of the pool for the current thread count (on the
/// calling thread when there is one thread, or none can be started): the
/// CLI runs a command so, and the stages it runs one after the other then
/// allocate from the heaps the pool's threads keep.
pub fn on_pool<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    place().install(f)
}

/// Where work handed to this module runs.
enum Place {
    /// On the calling thread alone: one thread, or no pool could start.
    Caller,
    /// On the pool of the asking thread, which is one of its threads.
    Current,
    /// On the pool for the current thread count.
    Pool(Arc<rayon::ThreadPool>),
}

fn place() -> Place {
    if width() <= 1 {
        Place::Caller
    } else if rayon::current_thread_index().is_some() {
        Place::Current
    } else {
        pool(threads()).map_or(Place::Caller, Place::Pool)
    }
}

impl Place {
    /// Runs `f` there (its parallel work then goes to that pool).
    fn install<R: Send>(self, f: impl FnOnce() -> R + Send) -> R {
        match self {
            Place::Pool(p) => p.install(f),
            Place::Caller | Place::Current => f(),
        }
    }
}

/// The pool of `n` threads, started on first use; `None` when its threads
/// cannot be started (then the work is done on the calling thread).
fn pool(n: usize) -> Option<Arc<rayon::ThreadPool>> {
    type Pools = Vec<(usize, Option<Arc<rayon::ThreadPool>>)>;
    static POOLS: Mutex<Pools> = Mutex::new(Vec::new());
    let mut pools = POOLS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, p)) = pools.iter().find(|(k, _)| *k == n) {
        return p.clone();
    }
    let p = rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .stack_size(STACK)
        .thread_name(|i| format!("stackc-{i}"))
        .build()
        .ok()
        .map(Arc::new);
    pools.push((n, p.clone()));
    p
}

/// `f` of each part, in order, the parts side by side where [`place`]
/// says.
fn run<P: Send, R: Send>(parts: impl Iterator<Item = P>, f: impl Fn(P) -> R + Sync) -> Vec<R> {
    use rayon::iter::{IntoParallelIterator, ParallelIterator};
    let parts: Vec<P> = parts.collect();
    let at = if parts.len() <= 1 {
        Place::Caller
    } else {
        place()
    };
    match at {
        Place::Caller => parts.into_iter().map(f).collect(),
        at => at.install(|| parts.into_par_iter().map(&f).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_order_whatever_the_threads() {
        let items: Vec<usize> = (0..10 * MIN_CHUNK + 7).collect();
        for t in [1, 2, 3, 8] {
            set_threads(t);
            let sums: Vec<usize> = map_chunks(&items, |c| c.iter().sum());
            assert_eq!(sums.iter().sum::<usize>(), items.iter().sum::<usize>());
            let flat: Vec<usize> = map_chunks(&items, <[usize]>::to_vec).concat();
            assert_eq!(flat, items);
        }
        set_threads(0);
    }

    #[test]
    fn small_inputs_stay_on_one_chunk() {
        let items = vec![1; MIN_CHUNK];
        assert_eq!(map_chunks(&items, <[i32]>::len), vec![MIN_CHUNK]);
        let empty: [u8; 0] = [];
        assert_eq!(map_chunks(&empty, <[u8]>::len), vec![0]);
    }

    #[test]
    fn a_few_large_items_are_spread_too() {
        let items = [1, 2, 3];
        for t in [1, 2, 3, 8] {
            set_threads(t);
            // (The thread count is global: other tests may change it
            // meanwhile, so only the results are checked.)
            let parts = map_chunks_of(&items, 1, <[i32]>::to_vec);
            assert!(!parts.is_empty() && parts.len() <= 3);
            assert_eq!(parts.concat(), items);
        }
        set_threads(0);
    }

    #[test]
    fn both_gives_both_results() {
        for t in [1, 2, 3] {
            set_threads(t);
            let items: Vec<usize> = (0..4 * MIN_CHUNK).collect();
            let (sums, n) = both(|| map_chunks(&items, |c| c.iter().sum::<usize>()), || 7);
            assert_eq!((sums.iter().sum::<usize>(), n), (items.iter().sum(), 7));
        }
        set_threads(0);
    }

    #[test]
    fn alone_keeps_every_piece_on_the_calling_thread() {
        set_threads(2);
        let me = std::thread::current().id();
        let items: Vec<usize> = (0..8 * MIN_CHUNK).collect();
        let on = |_: &[usize]| std::thread::current().id();
        let (chunks, queue, (a, b)) = alone_if(true, || {
            let queue = map_queue(&[1, 2, 3], usize::MAX, |_| std::thread::current().id());
            let both = both(
                || std::thread::current().id(),
                || std::thread::current().id(),
            );
            (map_chunks(&items, on), queue, both)
        });
        assert_eq!(chunks, vec![me]);
        assert!(queue.iter().chain([&a, &b]).all(|t| *t == me));
        // The flag ends with the call (the thread count is global: other
        // tests may change it meanwhile, so the chunks are not counted).
        assert!(!ALONE.get());
        assert!(!alone_if(false, || ALONE.get()));
        set_threads(0);
    }

    #[test]
    fn each_item_gives_one_result_in_order() {
        let items: Vec<usize> = (0..5).collect();
        assert_eq!(map_each(&items, |i| i * 10), vec![0, 10, 20, 30, 40]);
        assert!(map_each(&[] as &[usize], |i| *i).is_empty());
    }

    #[test]
    fn a_queue_gives_every_result_in_order_whatever_the_threads() {
        let items: Vec<u64> = vec![30, 1, 2, 20, 3, 0, 5];
        for t in [1, 2, 3, 8] {
            set_threads(t);
            // Items of different cost: a long one must not reorder results.
            let out = map_queue(&items, usize::MAX, |&ms| {
                std::thread::sleep(std::time::Duration::from_millis(ms));
                ms * 10
            });
            assert_eq!(out, items.iter().map(|x| x * 10).collect::<Vec<_>>());
        }
        assert!(map_queue(&[] as &[u64], 2, |i| *i).is_empty());
        assert_eq!(map_queue(&items, 1, |x| x + 1)[0], 31);
        set_threads(0);
    }

    #[test]
    fn chunks_inside_queue_items_come_back_in_order() {
        // An environment the queue checks cuts its rules into chunks: the
        // pool threads run both levels, whichever is idle.
        let items: Vec<usize> = (0..4).collect();
        let per: Vec<usize> = (0..3 * MIN_CHUNK + 5).collect();
        for t in [1, 2, 3] {
            set_threads(t);
            let out = map_queue(&items, usize::MAX, |&i| {
                map_chunks(&per, |c| c.iter().map(|x| x * 10 + i).collect::<Vec<_>>()).concat()
            });
            for (i, got) in out.iter().enumerate() {
                assert_eq!(*got, per.iter().map(|x| x * 10 + i).collect::<Vec<_>>());
            }
        }
        set_threads(0);
    }

    #[test]
    fn a_panic_in_a_chunk_reaches_the_caller() {
        set_threads(2);
        let items: Vec<usize> = (0..4 * MIN_CHUNK).collect();
        let caught = std::panic::catch_unwind(|| {
            map_chunks(&items, |c| {
                assert!(!c.contains(&(3 * MIN_CHUNK)), "a chunk failed");
                c.len()
            })
        });
        assert!(caught.is_err());
        // The pool still works afterwards.
        assert_eq!(
            map_chunks(&items, <[usize]>::len).iter().sum::<usize>(),
            items.len()
        );
        set_threads(0);
    }

    #[test]
    fn a_queue_runs_at_most_as_many_items_at_once_as_asked() {
        let (running, most) = (AtomicUsize::new(0), AtomicUsize::new(0));
        set_threads(8);
        let items = vec![5u64; 8];
        map_queue(&items, 2, |&ms| {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(now, Ordering::SeqCst);
            std::thread::sleep(std::time::Duration::from_millis(ms));
            running.fetch_sub(1, Ordering::SeqCst);
        });
        assert!(most.load(Ordering::SeqCst) <= 2);
        set_threads(0);
    }
}
