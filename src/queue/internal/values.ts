/**
 * Header value coercion. Headers come from other parties (and from brokers: AMQP tables hold
 * Buffers, numbers and nested tables; NATS headers only strings), so every read is defensive.
 */

/** @internal */
export const asString = (u: unknown, maxChars: number): string | undefined => {
  let s: string | undefined
  if (typeof u === "string") s = u
  else if (u instanceof Uint8Array) {
    s = Buffer.from(u.buffer, u.byteOffset, Math.min(u.byteLength, maxChars * 4)).toString("utf8")
  } else return undefined
  return s.length > maxChars ? s.slice(0, maxChars) : s
}

/** @internal */
export const asNumber = (u: unknown): number | undefined => {
  if (typeof u === "number") return Number.isFinite(u) ? u : undefined
  if (typeof u === "bigint") {
    return u <= BigInt(Number.MAX_SAFE_INTEGER) && u >= -BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(u)
      : undefined
  }
  const s = asString(u, 32)
  if (s === undefined || !/^-?\d+(\.\d+)?$/.test(s)) return undefined
  const n = Number(s)
  return Number.isFinite(n) ? n : undefined
}

/** @internal */
export const isRecord = (u: unknown): u is Record<string, unknown> =>
  typeof u === "object" && u !== null && !Array.isArray(u) && !(u instanceof Uint8Array)

/** @internal */
export const get = (headers: Record<string, unknown>, key: string): unknown =>
  Object.hasOwn(headers, key) ? headers[key] : undefined
