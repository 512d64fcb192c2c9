import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { readRecords } from '../../src/util/record-file.js'

async function firstError(chunks: Buffer[]): Promise<string> {
  try {
    for await (const _record of readRecords(Readable.from(chunks), 'csv', ['product_id'], { errorCode: 'DIMENSION_FILE_INVALID' })) {
      // read them all
    }
  } catch (error) {
    return (error as Error).message
  }
  return 'no error'
}

describe('a dimension file that is not UTF-8 names the line of the first bad byte', () => {
  const file = Buffer.concat([Buffer.from('product_id,product_name\n101,Café crème\n102,Tea\n103,Juice\n104,'), Buffer.from([0xff]), Buffer.from('Bad\n')])

  it('read whole', async () => {
    expect(await firstError([file])).toMatch(/^line 5: the file is not valid UTF-8/)
  })

  it('with a character cut between two chunks before the bad byte', async () => {
    const cut = file.indexOf(Buffer.from('é')) + 1 // between the two bytes of é, on line 2
    expect(await firstError([file.subarray(0, cut), file.subarray(cut)])).toMatch(/^line 5: /)
  })

  it("with the cut character's bytes in chunks of one byte", async () => {
    const chunks = [...file].map((byte) => Buffer.from([byte]))
    expect(await firstError(chunks)).toMatch(/^line 5: /)
  })
})
