/**
 * Failure headers: what travels with a message about why it failed. Encoded from a fault's public
 * view (nothing internal reaches a header), decoded back into a typed fault through `Trust.toFault`,
 * and RabbitMQ's own `x-death` understood too. Headers are read defensively: malformed or hostile
 * headers give a `NotWellFormed` fault, never a crash.
 *
 * @since 0.1.0
 */
import * as Catalog from "../Catalog.ts"
import * as Exposure from "../Exposure.ts"
import * as Fault from "../Fault.ts"
import * as Trust from "../Trust.ts"
import type * as Driver from "./Driver.ts"
import { asNumber, asString, get, isRecord } from "./internal/values.ts"

/**
 * The header names.
 *
 * @example
 * ```ts
 * import { Headers } from "effect-faults/queue"
 *
 * console.log(Headers.names.attempts) // "x-attempts"
 * ```
 *
 * @category names
 * @since 0.1.0
 */
export const names = {
  errorCondition: "x-error-condition",
  errorDescription: "x-error-description",
  faultCode: "x-fault-code",
  faultStatus: "x-fault-status",
  faultExpected: "x-fault-expected",
  faultFields: "x-fault-fields",
  eventId: "x-event-id",
  retryAfterMs: "x-retry-after-ms",
  correlationId: "x-correlation-id",
  attempts: "x-attempts",
  originalQueue: "x-original-queue",
  failedAt: "x-failed-at",
  death: "x-death"
} as const

/** Longest description written or read (characters). */
const maxDescription = 1000
/** Byte budget of the encoded fields (AMQP header tables are limited to 64 KiB in all). */
const maxFieldsBytes = 4096
const codePattern = /^[A-Za-z0-9._:-]{1,128}$/
const expectedValues: ReadonlySet<string> = new Set(Fault.ExpectedSchema.literals)

/**
 * What the encoder needs besides the fault.
 *
 * @example
 * ```ts
 * import type { Headers } from "effect-faults/queue"
 *
 * const ctx: Headers.Context = { attempts: 3, originalQueue: "orders", failedAt: new Date(0) }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Context {
  readonly attempts: number
  readonly originalQueue: string
  readonly failedAt: Date
  readonly errorCondition?: string | undefined
  readonly correlationId?: string | undefined
  readonly catalog?: Catalog.Catalog | undefined
  readonly config?: Exposure.Config | undefined
}

/**
 * Encodes a failure (a fault or anything else) into failure headers, through `Exposure.view`: a
 * non-public fault is written as `InternalError` with the generic message.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 * import { Headers } from "effect-faults/queue"
 *
 * const h = Headers.encode(new Fault.NotFound({ resource: "order", id: "7" }), { attempts: 1, originalQueue: "orders", failedAt: new Date() })
 * console.log(h["x-fault-code"]) // "NotFound"
 * ```
 *
 * @category encoding
 * @since 0.1.0
 */
export const encode = (failure: unknown, context: Context): Record<string, string | number> =>
  fromView(
    Exposure.view(failure, { catalog: context.catalog, correlationId: context.correlationId, config: context.config }),
    context
  )

/**
 * Encodes failure headers from a public view already made (by a writer that also builds a body from
 * it, as `ErrorMessage.make` does): the same headers as {@link encode}, one view instead of two. The
 * context's `catalog` and `config` are not read: the view has applied them.
 *
 * @example
 * ```ts
 * import { Exposure, Fault } from "effect-faults"
 * import { Headers } from "effect-faults/queue"
 *
 * const view = Exposure.view(new Fault.NotFound({ resource: "order", id: "7" }))
 * const h = Headers.fromView(view, { attempts: 1, originalQueue: "orders", failedAt: new Date() })
 * console.log(h["x-fault-code"], view.message) // "NotFound" "order '7' not found"
 * ```
 *
 * @category encoding
 * @since 0.1.0
 */
export const fromView = (view: Exposure.PublicView, context: Context): Record<string, string | number> => {
  const out: Record<string, string | number> = {
    [names.errorDescription]: Exposure.truncate(view.message, maxDescription),
    [names.faultCode]: view.code,
    [names.faultStatus]: view.status,
    [names.faultExpected]: view.expected,
    [names.eventId]: view.eventId,
    [names.attempts]: context.attempts,
    [names.originalQueue]: context.originalQueue,
    [names.failedAt]: context.failedAt.toISOString()
  }
  if (context.errorCondition !== undefined) out[names.errorCondition] = context.errorCondition
  if (view.correlationId !== undefined) out[names.correlationId] = view.correlationId
  if (view.retryAfterMs !== undefined) out[names.retryAfterMs] = view.retryAfterMs
  if (view.fields !== undefined && Object.keys(view.fields).length > 0) {
    const json = jsonOf(view.fields)
    // Fields that do not fit, or have no JSON form (a bigint, a cycle), are dropped whole: half a JSON
    // document is worse than none, and a throw here would leave the failed message unsettled.
    if (json !== undefined && Buffer.byteLength(json) <= maxFieldsBytes) out[names.faultFields] = json
  }
  return out
}

const jsonOf = (fields: Readonly<Record<string, unknown>>): string | undefined => {
  try {
    return JSON.stringify(fields)
  } catch {
    return undefined
  }
}

/**
 * One entry of RabbitMQ's `x-death` header: the broker's record of a dead-lettering.
 *
 * @example
 * ```ts
 * import type { Headers } from "effect-faults/queue"
 *
 * const d: Headers.Death = { queue: "orders", reason: "rejected", count: 2, exchange: "" }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Death {
  readonly queue: string
  readonly reason: string
  readonly count: number
  readonly exchange: string | undefined
}

/**
 * A decoded failure: the typed fault, and what the headers said about the message's history.
 *
 * @example
 * ```ts
 * import type { Headers } from "effect-faults/queue"
 *
 * const attemptsOf = (f: Headers.Failure) => f.attempts
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Failure {
  readonly fault: Fault.Fault
  readonly attempts: number
  readonly originalQueue: string | undefined
  readonly failedAt: string | undefined
  readonly errorCondition: string | undefined
  readonly deaths: ReadonlyArray<Death>
}

/**
 * Decoding options: how far to trust the other party (default: distrust, every failure is a
 * `RemoteFault`) and the catalog that maps codes to fault classes when trusted.
 *
 * @example
 * ```ts
 * import { Catalog } from "effect-faults"
 * import type { Headers } from "effect-faults/queue"
 *
 * const o: Headers.DecodeOptions = { mode: "trust", catalog: Catalog.builtin }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface DecodeOptions {
  readonly mode?: Trust.Mode | undefined
  readonly catalog?: Catalog.Catalog | undefined
}

const malformed = (reason: string): Fault.NotWellFormed =>
  Fault.received(new Fault.NotWellFormed({ format: "failure headers", direction: "inbound", reason }))

const maxDeaths = 64

const decodeDeaths = (raw: unknown): ReadonlyArray<Death> | string => {
  if (raw === undefined) return []
  if (!Array.isArray(raw)) return "x-death is not an array"
  const out: Array<Death> = []
  for (const entry of raw.slice(0, maxDeaths)) {
    if (!isRecord(entry)) return "x-death entry is not a table"
    const queue = asString(get(entry, "queue"), 256)
    const reason = asString(get(entry, "reason"), 64)
    const count = asNumber(get(entry, "count"))
    if (queue === undefined || reason === undefined) return "x-death entry lacks queue or reason"
    out.push({
      queue,
      reason,
      count: count !== undefined && Number.isInteger(count) && count >= 0 ? count : 1,
      exchange: asString(get(entry, "exchange"), 256)
    })
  }
  return out
}

/**
 * Decodes failure headers into a typed fault. `undefined` when the headers carry no failure at all
 * (neither ours nor `x-death`); a `NotWellFormed` fault (origin remote) when they are malformed.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 * import { Headers } from "effect-faults/queue"
 *
 * const h = Headers.encode(new Fault.NotFound({ id: "7" }), { attempts: 1, originalQueue: "q", failedAt: new Date() })
 * console.log(Headers.decode(h)?.fault._tag) // "RemoteFault" (distrusted by default)
 * console.log(Headers.decode({ "x-fault-code": 42 })?.fault._tag) // "NotWellFormed"
 * ```
 *
 * @category decoding
 * @since 0.1.0
 */
export const decode = (headers: unknown, options?: DecodeOptions): Failure | undefined => {
  try {
    return decodeUnsafe(headers, options)
  } catch (e) {
    // Defence in depth: a getter or proxy in hostile input must not take the consumer down.
    return failureOf(malformed(`unreadable headers: ${e instanceof Error ? e.name : typeof e}`))
  }
}

const failureOf = (fault: Fault.Fault): Failure => ({
  fault,
  attempts: 0,
  originalQueue: undefined,
  failedAt: undefined,
  errorCondition: undefined,
  deaths: []
})

const decodeUnsafe = (headers: unknown, options?: DecodeOptions): Failure | undefined => {
  if (headers === undefined || headers === null) return undefined
  if (!isRecord(headers)) return failureOf(malformed("headers are not a table"))
  const deaths = decodeDeaths(get(headers, names.death))
  if (typeof deaths === "string") return failureOf(malformed(deaths))
  const rawCode = get(headers, names.faultCode)
  const rawCondition = get(headers, names.errorCondition)
  if (rawCode === undefined && rawCondition === undefined && deaths.length === 0) return undefined
  const trust: Trust.Options = {
    mode: options?.mode ?? "distrust",
    catalog: options?.catalog ?? Catalog.builtin,
    protocol: "amqp"
  }

  const rawAttempts = get(headers, names.attempts)
  const attempts = rawAttempts === undefined ? undefined : asNumber(rawAttempts)
  if (rawAttempts !== undefined && (attempts === undefined || !Number.isInteger(attempts) || attempts < 0)) {
    return failureOf(malformed("x-attempts is not a non-negative integer"))
  }
  const originalQueue = optionalString(headers, names.originalQueue, 256)
  const failedAt = optionalString(headers, names.failedAt, 64)
  const errorCondition = optionalString(headers, names.errorCondition, 128)
  const correlationId = optionalString(headers, names.correlationId, 128)
  const description = optionalString(headers, names.errorDescription, maxDescription)
  for (
    const [name, value] of [
      [names.originalQueue, originalQueue],
      [names.failedAt, failedAt],
      [names.errorCondition, errorCondition],
      [names.correlationId, correlationId],
      [names.errorDescription, description]
    ] as const
  ) {
    if (value === null) return failureOf(malformed(`${name} is not text`))
  }
  const history = {
    attempts: attempts ?? deaths.reduce((n, d) => Math.max(n, d.count), 0),
    originalQueue: originalQueue ?? deaths[0]?.queue,
    failedAt: failedAt ?? undefined,
    errorCondition: errorCondition ?? undefined,
    deaths
  }

  if (rawCode === undefined && errorCondition === undefined) {
    // Only the broker's record: the message was dead-lettered by RabbitMQ itself.
    const first = deaths[0]!
    const received: Trust.Received = {
      code: codePattern.test(`amqp.${first.reason}`) ? `amqp.${first.reason}` : "amqp.dead-lettered",
      message: `dead-lettered by the broker (${first.reason}) from ${first.queue} after ${first.count} time(s)`,
      correlationId: correlationId ?? undefined
    }
    return { fault: Trust.toFault(received, trust), ...history }
  }

  const code = rawCode === undefined ? errorCondition! : asString(rawCode, 129)
  if (code === undefined || !codePattern.test(code)) return failureOf(malformed("x-fault-code is not a code"))
  const rawStatus = get(headers, names.faultStatus)
  const status = rawStatus === undefined ? undefined : asNumber(rawStatus)
  if (rawStatus !== undefined && (status === undefined || !Number.isInteger(status) || status < 100 || status > 599)) {
    return failureOf(malformed("x-fault-status is not an HTTP-like status"))
  }
  const rawExpected = get(headers, names.faultExpected)
  const expected = rawExpected === undefined ? undefined : asString(rawExpected, 32)
  if (rawExpected !== undefined && (expected === undefined || !expectedValues.has(expected))) {
    return failureOf(malformed("x-fault-expected is not a known expectation"))
  }
  const rawRetry = get(headers, names.retryAfterMs)
  const retryAfterMs = rawRetry === undefined ? undefined : asNumber(rawRetry)
  if (rawRetry !== undefined && (retryAfterMs === undefined || retryAfterMs < 0)) {
    return failureOf(malformed("x-retry-after-ms is not a non-negative number"))
  }
  const rawFields = get(headers, names.faultFields)
  let fields: Record<string, unknown> | undefined
  if (rawFields !== undefined) {
    const text = asString(rawFields, maxFieldsBytes + 1)
    if (text === undefined || text.length > maxFieldsBytes) {
      return failureOf(malformed("x-fault-fields is not short text"))
    }
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      return failureOf(malformed("x-fault-fields is not JSON"))
    }
    if (!isRecord(parsed)) return failureOf(malformed("x-fault-fields is not a JSON object"))
    fields = parsed
  }
  const received: Trust.Received = {
    code,
    message: description ?? undefined,
    status,
    expected: expected as Fault.Expected | undefined,
    retryAfterMs,
    correlationId: correlationId ?? undefined,
    fields
  }
  return { fault: Trust.toFault(received, trust), ...history }
}

// undefined: absent; null: present but not text.
const optionalString = (headers: Record<string, unknown>, name: string, max: number): string | undefined | null => {
  const raw = get(headers, name)
  if (raw === undefined) return undefined
  return asString(raw, max) ?? null
}

/**
 * The attempt count a message carries (0 when absent or unreadable: a hostile count never crashes,
 * at worst it dead-letters early).
 *
 * @example
 * ```ts
 * import { Headers } from "effect-faults/queue"
 *
 * console.log(Headers.attempts({ "x-attempts": 2 })) // 2
 * ```
 *
 * @category decoding
 * @since 0.1.0
 */
export const attempts = (headers: Driver.Headers, name: string = names.attempts): number => {
  const n = asNumber(get(headers as Record<string, unknown>, name))
  return n !== undefined && Number.isInteger(n) && n >= 0 ? n : 0
}
