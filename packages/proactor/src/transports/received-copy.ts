// The copy of received bytes a protocol gets (CPython's
// bytes(self._data[:length]) in _ProactorReadPipeTransport._loop_reading):
// the read buffer is read into again, so the protocol needs bytes of its own.
// The write transports copy the data they queue behind a pending send the
// same way.
//
// Reads of HAND_OUT_AT bytes or more are not copied at all (the native core
// hands their memory over, see IocpProactor._readFor), so the copies here
// are of shorter reads and of the data the write transports queue.
// Small copies come from Node's own Buffer pool (Buffer.allocUnsafe uses
// 8 KiB slabs below 4 KiB). Larger ones are carved from 256 KiB slabs, so a
// stream of 64 KiB reads allocates one ArrayBuffer per four reads instead of
// one per read: V8 counts the external memory of every ArrayBuffer and
// collects garbage for it, and a fresh 64 KiB buffer per read halved the
// 10 x 64 KiB Protocol echo (measured 12-15k round trips/s with one
// allocation per read, 24-26k with slabs). As with Node's pool, a slice
// keeps its slab alive while the protocol keeps the slice, and its
// `.buffer` is the whole slab (bytes of other reads of this process).
const SMALL = 4096;
const SLAB_SIZE = 256 * 1024;

let slab: Buffer | null = null;
let used = 0;

/** A copy of src[0, length) the caller may keep. */
export function copyReceived(src: Uint8Array, length: number): Buffer {
  if (length < SMALL) {
    const out = Buffer.allocUnsafe(length);
    out.set(length === src.length ? src : src.subarray(0, length));
    return out;
  }
  if (slab === null || used + length > SLAB_SIZE) {
    slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
    used = 0;
  }
  const out = slab.subarray(used, used + length);
  out.set(length === src.length ? src : src.subarray(0, length));
  // Slices start 8-byte aligned, as Node's pool aligns them.
  used = (used + length + 7) & ~7;
  return out;
}
