/**
 * A minimal protobuf wire codec for the `google.rpc` error model: `Status`, `Any`, `ErrorInfo`,
 * `RetryInfo` (`Duration`), `BadRequest` and `DebugInfo`. Hand-written because these few messages are
 * fixed and tiny: no reflection, no code generation, and a decoder that reads bytes from the other
 * party, so it never throws — every length and count is checked against the input and hard limits,
 * and anything malformed yields `undefined`.
 *
 * @internal
 */

/** @internal */
export const TypeUrl = {
  ErrorInfo: "type.googleapis.com/google.rpc.ErrorInfo",
  RetryInfo: "type.googleapis.com/google.rpc.RetryInfo",
  BadRequest: "type.googleapis.com/google.rpc.BadRequest",
  DebugInfo: "type.googleapis.com/google.rpc.DebugInfo"
} as const

/** Hard limits of the decoder: what a well-behaved peer never needs. @internal */
export const limits = {
  /** Bytes of one `grpc-status-details-bin` value. */
  maxBytes: 64 * 1024,
  /** `Any` entries of one `Status`. */
  maxDetails: 32,
  /** Entries of one `ErrorInfo.metadata` map. */
  maxMetadata: 128,
  /** Field violations of one `BadRequest`. */
  maxViolations: 256,
  /** Stack entries of one `DebugInfo`. */
  maxStackEntries: 256
} as const

/** @internal */
export interface Any {
  readonly typeUrl: string
  readonly value: Uint8Array
}

/** @internal */
export interface Status {
  readonly code: number
  readonly message: string
  readonly details: ReadonlyArray<Any>
}

/** @internal */
export interface ErrorInfo {
  readonly reason: string
  readonly domain: string
  /** A null-prototype record: keys come from the wire. */
  readonly metadata: Readonly<Record<string, string>>
}

/** @internal */
export interface RetryInfo {
  /** `undefined` when absent, negative, or not representable. */
  readonly retryDelayMs: number | undefined
}

/** @internal */
export interface FieldViolation {
  readonly field: string
  readonly description: string
}

/** @internal */
export interface BadRequest {
  readonly fieldViolations: ReadonlyArray<FieldViolation>
}

/** @internal */
export interface DebugInfo {
  readonly stackEntries: ReadonlyArray<string>
  readonly detail: string
}

// -----------------------------------------------------------------------------
// Writer
// -----------------------------------------------------------------------------

/**
 * Grows as needed; wire type 0 (varint) and 2 (length-delimited) are all these messages use. Strings
 * are written straight into the buffer (`Buffer#write`): `TextEncoder#encode` costs ~10x more per call.
 *
 * @internal
 */
export class Writer {
  private buf: Buffer = Buffer.allocUnsafe(128)
  private pos = 0

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < this.pos + n) size *= 2
    const next = Buffer.allocUnsafe(size)
    this.buf.copy(next, 0, 0, this.pos)
    this.buf = next
  }

  /** An unsigned varint of up to 53 bits. */
  uvarint(value: number): this {
    this.ensure(10)
    let v = value
    while (v > 0x7f) {
      this.buf[this.pos++] = (v % 0x80) | 0x80
      v = Math.floor(v / 0x80)
    }
    this.buf[this.pos++] = v
    return this
  }

  /** An `int32`: negative values take the ten-byte two's complement form the spec requires. */
  int32(field: number, value: number): this {
    if (value === 0) return this
    this.uvarint(field << 3)
    if (value >= 0) return this.uvarint(value)
    this.ensure(10)
    let lo = value >>> 0
    for (let i = 0; i < 4; i++) {
      this.buf[this.pos++] = (lo & 0x7f) | 0x80
      lo >>>= 7
    }
    // bits 28..31 of the low word, then the sign-extended high word (all ones)
    this.buf[this.pos++] = (lo & 0x0f) | 0x70 | 0x80
    for (let i = 0; i < 4; i++) this.buf[this.pos++] = 0xff
    this.buf[this.pos++] = 0x01
    return this
  }

  /** A non-negative `int64`/`uint64` that fits in a double. */
  uint64(field: number, value: number): this {
    if (value === 0) return this
    return this.uvarint(field << 3).uvarint(value)
  }

  bytes(field: number, value: Uint8Array): this {
    this.uvarint((field << 3) | 2).uvarint(value.length)
    this.ensure(value.length)
    this.buf.set(value, this.pos)
    this.pos += value.length
    return this
  }

  string(field: number, value: string): this {
    return value.length === 0 ? this : this.stringAlways(field, value)
  }

  /** A string always written, even when empty (map entries, repeated fields). */
  stringAlways(field: number, value: string): this {
    const length = Buffer.byteLength(value, "utf8")
    this.uvarint((field << 3) | 2).uvarint(length)
    this.ensure(length)
    this.pos += this.buf.write(value, this.pos, length, "utf8")
    return this
  }

  finish(): Uint8Array {
    return new Uint8Array(this.buf.subarray(0, this.pos)) // a copy: the writer's buffer is not handed out
  }
}

/** @internal */
export const encodeAny = (any: Any): Uint8Array => new Writer().string(1, any.typeUrl).bytes(2, any.value).finish()

/** @internal */
export const encodeStatus = (status: Status): Uint8Array => {
  const w = new Writer().int32(1, status.code).string(2, status.message)
  for (const detail of status.details) w.bytes(3, encodeAny(detail))
  return w.finish()
}

/** @internal */
export const encodeErrorInfo = (info: ErrorInfo): Uint8Array => {
  const w = new Writer().string(1, info.reason).string(2, info.domain)
  for (const key of Object.keys(info.metadata)) {
    w.bytes(3, new Writer().stringAlways(1, key).stringAlways(2, info.metadata[key]!).finish())
  }
  return w.finish()
}

/** @internal */
export const encodeDuration = (ms: number): Uint8Array => {
  const total = Math.max(0, Math.round(ms * 1e6)) // nanoseconds, as a double: exact up to ~104 days
  const seconds = Math.floor(total / 1e9)
  const nanos = total - seconds * 1e9
  return new Writer().uint64(1, seconds).int32(2, nanos).finish()
}

/** @internal */
export const encodeRetryInfo = (info: { readonly retryDelayMs: number }): Uint8Array =>
  new Writer().bytes(1, encodeDuration(info.retryDelayMs)).finish()

/** @internal */
export const encodeBadRequest = (request: BadRequest): Uint8Array => {
  const w = new Writer()
  for (const v of request.fieldViolations) {
    w.bytes(1, new Writer().string(1, v.field).string(2, v.description).finish())
  }
  return w.finish()
}

/** @internal */
export const encodeDebugInfo = (info: DebugInfo): Uint8Array => {
  const w = new Writer()
  for (const entry of info.stackEntries) w.stringAlways(1, entry)
  return w.string(2, info.detail).finish()
}

// -----------------------------------------------------------------------------
// Reader
// -----------------------------------------------------------------------------

/** A field as read from the wire. @internal */
export type Field =
  | { readonly wire: 0; readonly lo: number; readonly hi: number }
  | { readonly wire: 1 | 5 }
  | { readonly wire: 2; readonly bytes: Uint8Array }

/**
 * Reads every field of a message, calling `onField` for each; returns `false` on malformed input
 * (truncated varint or length, groups, field number 0, an unknown wire type) or when `onField` does.
 *
 * @internal
 */
export const readFields = (
  bytes: Uint8Array,
  onField: (field: number, value: Field) => boolean
): boolean => {
  let pos = 0
  const end = bytes.length
  let lo = 0
  let hi = 0
  // Reads a varint into lo/hi (32 bits each); false past the end or beyond ten bytes.
  const varint = (): boolean => {
    lo = 0
    hi = 0
    for (let i = 0; i < 10; i++) {
      if (pos >= end) return false
      const b = bytes[pos++]!
      if (i < 4) lo |= (b & 0x7f) << (7 * i)
      else if (i === 4) {
        lo |= (b & 0x0f) << 28
        hi |= (b & 0x7f) >> 4
      } else hi |= (b & 0x7f) << (7 * i - 32)
      if ((b & 0x80) === 0) {
        lo >>>= 0
        hi >>>= 0
        return true
      }
    }
    return false
  }
  while (pos < end) {
    if (!varint()) return false
    if (hi !== 0) return false
    const wire = lo & 7
    const field = lo >>> 3
    if (field === 0) return false
    switch (wire) {
      case 0: {
        if (!varint()) return false
        if (!onField(field, { wire: 0, lo, hi })) return false
        break
      }
      case 1: {
        if (end - pos < 8) return false
        pos += 8
        if (!onField(field, { wire: 1 })) return false
        break
      }
      case 2: {
        if (!varint()) return false
        if (hi !== 0 || lo > end - pos) return false
        const value = bytes.subarray(pos, pos + lo)
        pos += lo
        if (!onField(field, { wire: 2, bytes: value })) return false
        break
      }
      case 5: {
        if (end - pos < 4) return false
        pos += 4
        if (!onField(field, { wire: 5 })) return false
        break
      }
      default:
        return false // 3/4 (groups, deprecated) and 6/7 (undefined)
    }
  }
  return true
}

// Buffer's decoder is lenient (invalid UTF-8 becomes U+FFFD, never an exception) and much faster than
// TextDecoder on short strings; the view shares the input's memory, nothing is copied.
const utf8 = (bytes: Uint8Array): string => {
  const n = bytes.length
  if (n === 0) return ""
  if (n <= 64) {
    // short ASCII (codes, keys, ids): no Buffer view at all
    let ascii = ""
    for (let i = 0; i < n; i++) {
      const b = bytes[i]!
      if (b >= 0x80) return Buffer.from(bytes.buffer, bytes.byteOffset, n).toString("utf8")
      ascii += String.fromCharCode(b)
    }
    return ascii
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset, n).toString("utf8")
}

/** @internal */
export const decodeAny = (bytes: Uint8Array): Any | undefined => {
  let typeUrl = ""
  let value: Uint8Array = new Uint8Array(0)
  const ok = readFields(bytes, (field, v) => {
    if (field === 1) {
      if (v.wire !== 2) return false
      typeUrl = utf8(v.bytes)
    } else if (field === 2) {
      if (v.wire !== 2) return false
      value = v.bytes
    }
    return true
  })
  return ok ? { typeUrl, value } : undefined
}

/** @internal */
export const decodeStatus = (bytes: Uint8Array): Status | undefined => {
  if (bytes.length > limits.maxBytes) return undefined
  let code = 0
  let message = ""
  const details: Array<Any> = []
  const ok = readFields(bytes, (field, v) => {
    if (field === 1) {
      if (v.wire !== 0) return false
      code = v.lo | 0 // int32: the low word, as signed
    } else if (field === 2) {
      if (v.wire !== 2) return false
      message = utf8(v.bytes)
    } else if (field === 3) {
      if (v.wire !== 2 || details.length >= limits.maxDetails) return false
      const any = decodeAny(v.bytes)
      if (any === undefined) return false
      details.push(any)
    }
    return true
  })
  return ok ? { code, message, details } : undefined
}

const decodeMapEntry = (bytes: Uint8Array): readonly [string, string] | undefined => {
  let key = ""
  let value = ""
  const ok = readFields(bytes, (field, v) => {
    if (field === 1 || field === 2) {
      if (v.wire !== 2) return false
      if (field === 1) key = utf8(v.bytes)
      else value = utf8(v.bytes)
    }
    return true
  })
  return ok ? [key, value] : undefined
}

/** @internal */
export const decodeErrorInfo = (bytes: Uint8Array): ErrorInfo | undefined => {
  let reason = ""
  let domain = ""
  const metadata: Record<string, string> = Object.create(null)
  let count = 0
  const ok = readFields(bytes, (field, v) => {
    if (field === 1 || field === 2) {
      if (v.wire !== 2) return false
      if (field === 1) reason = utf8(v.bytes)
      else domain = utf8(v.bytes)
    } else if (field === 3) {
      if (v.wire !== 2 || ++count > limits.maxMetadata) return false
      const entry = decodeMapEntry(v.bytes)
      if (entry === undefined) return false
      metadata[entry[0]] = entry[1] // last one wins, as in protobuf maps
    }
    return true
  })
  return ok ? { reason, domain, metadata } : undefined
}

/** @internal */
export const decodeDurationMs = (bytes: Uint8Array): number | undefined => {
  let seconds = 0
  let nanos = 0
  const ok = readFields(bytes, (field, v) => {
    if (field === 1) {
      if (v.wire !== 0) return false
      seconds = (v.hi | 0) * 0x100000000 + v.lo // int64, sign from the high word
    } else if (field === 2) {
      if (v.wire !== 0) return false
      nanos = v.lo | 0
    }
    return true
  })
  if (!ok || seconds < 0 || nanos < 0 || nanos > 999_999_999) return undefined
  const ms = seconds * 1000 + nanos / 1e6
  return Number.isFinite(ms) && ms <= Number.MAX_SAFE_INTEGER ? ms : undefined
}

/** @internal */
export const decodeRetryInfo = (bytes: Uint8Array): RetryInfo | undefined => {
  let retryDelayMs: number | undefined
  const ok = readFields(bytes, (field, v) => {
    if (field === 1) {
      if (v.wire !== 2) return false
      retryDelayMs = decodeDurationMs(v.bytes)
    }
    return true
  })
  return ok ? { retryDelayMs } : undefined
}

const decodeFieldViolation = (bytes: Uint8Array): FieldViolation | undefined => {
  let fieldName = ""
  let description = ""
  const ok = readFields(bytes, (field, v) => {
    if (field === 1 || field === 2) {
      if (v.wire !== 2) return false
      if (field === 1) fieldName = utf8(v.bytes)
      else description = utf8(v.bytes)
    }
    return true // reason (3) and localized_message (4) are skipped
  })
  return ok ? { field: fieldName, description } : undefined
}

/** @internal */
export const decodeBadRequest = (bytes: Uint8Array): BadRequest | undefined => {
  const fieldViolations: Array<FieldViolation> = []
  const ok = readFields(bytes, (field, v) => {
    if (field === 1) {
      if (v.wire !== 2 || fieldViolations.length >= limits.maxViolations) return false
      const violation = decodeFieldViolation(v.bytes)
      if (violation === undefined) return false
      fieldViolations.push(violation)
    }
    return true
  })
  return ok ? { fieldViolations } : undefined
}

/** @internal */
export const decodeDebugInfo = (bytes: Uint8Array): DebugInfo | undefined => {
  const stackEntries: Array<string> = []
  let detail = ""
  const ok = readFields(bytes, (field, v) => {
    if (field === 1) {
      if (v.wire !== 2 || stackEntries.length >= limits.maxStackEntries) return false
      stackEntries.push(utf8(v.bytes))
    } else if (field === 2) {
      if (v.wire !== 2) return false
      detail = utf8(v.bytes)
    }
    return true
  })
  return ok ? { stackEntries, detail } : undefined
}
