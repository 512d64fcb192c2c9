import { readlinkSync } from 'node:fs'
import { setPriority } from 'node:os'

/**
 * The nice value of the silver and gold threads: CFS weight 110 against 1024 for the broker and
 * bronze threads, so they get ~10% of a contended core and every idle cycle.
 */
export const THREAD_NICE = 10

/**
 * Lowers the scheduling priority of the calling thread alone (Linux: a thread is a task with its
 * own nice value; /proc/thread-self names its id). Under a burst the kernel then gives the cores to
 * the broker and bronze threads first, and this thread the rest. Where that is not possible (not
 * Linux, no /proc) the thread keeps its priority: returns false.
 */
export function lowerThreadPriority(nice: number): boolean {
  try {
    const taskId = Number(readlinkSync('/proc/thread-self').split('/').pop())
    if (!Number.isInteger(taskId) || taskId <= 0) return false
    setPriority(taskId, nice)
    return true
  } catch {
    return false
  }
}
