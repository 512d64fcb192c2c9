import { describe, expect, it } from 'vitest'
import { MedallionError } from '../../src/errors.js'
import { runInWorker } from '../../src/util/run-in-worker.js'

describe('runInWorker', () => {
  it("resolves with the job thread's value", async () => {
    expect(await runInWorker('job-outcome.worker', import.meta.url, { outcome: 'value' })).toEqual({ made: 3 })
  })

  it('rejects with the coded error the job thread threw: its code crosses the thread boundary', async () => {
    const error = await runInWorker('job-outcome.worker', import.meta.url, { outcome: 'coded' }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(MedallionError)
    expect(error).toMatchObject({ code: 'SNAPSHOT_DISK_BOUND', message: 'snapshot disk bound reached' })
  })

  it('rejects with a plain Error for an error without a code', async () => {
    const error = await runInWorker('job-outcome.worker', import.meta.url, { outcome: 'plain' }).catch((caught: unknown) => caught)
    expect(error).not.toBeInstanceOf(MedallionError)
    expect(error).toMatchObject({ message: 'something else' })
  })

  it("a cleanup that throws does not hide the job's own error, and fails a job that succeeded", async () => {
    const hidden = await runInWorker('job-outcome.worker', import.meta.url, { outcome: 'coded', cleanup: 'throws' }).catch((caught: unknown) => caught)
    expect(hidden).toMatchObject({ code: 'SNAPSHOT_DISK_BOUND' })
    const after = await runInWorker('job-outcome.worker', import.meta.url, { outcome: 'value', cleanup: 'throws' }).catch((caught: unknown) => caught)
    expect(after).toMatchObject({ code: 'DATA_DIR_UNUSABLE', message: 'close failed' })
  })
})
