/**
 * Whose work this is: a correlation id in fiber-local context, accepted from incoming work or
 * generated, inherited by forked fibers, on every log line, sent on every outgoing call and message.
 *
 * Incoming ids are validated (a length cap and a safe character set; the OAS guide's UUID pattern for
 * `x-correlator`) and replaced with a fresh one, with a warning, when they are not: a raw header
 * value never reaches a log line or a response header.
 *
 * @since 0.1.0
 */
import { Context, Effect, Function, Layer } from "effect"

/**
 * The correlation id of the current fiber, `undefined` outside any unit of work.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Correlation } from "effect-faults"
 *
 * const program = Effect.gen(function*() {
 *   const id = yield* Correlation.CorrelationId
 *   yield* Effect.log(`working for ${id}`)
 * }).pipe(Correlation.withId("550e8400-e29b-11d4-a716-446655440000"))
 * ```
 *
 * @category references
 * @since 0.1.0
 */
export const CorrelationId: Context.Reference<string | undefined> = Context.Reference<string | undefined>(
  "effect-faults/Correlation/CorrelationId",
  { defaultValue: () => undefined }
)

/**
 * The OAS guide's pattern for `x-correlator`: a UUID.
 *
 * @example
 * ```ts
 * import { Correlation } from "effect-faults"
 *
 * console.log(Correlation.uuidPattern.test("550e8400-e29b-11d4-a716-446655440000")) // true
 * ```
 *
 * @category validation
 * @since 0.1.0
 */
export const uuidPattern: RegExp = /^[0-9A-Fa-f]{8}(?:-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}$/

/**
 * Characters accepted in other correlation headers: letters, digits and `-_.:`, at least one.
 *
 * @example
 * ```ts
 * import { Correlation } from "effect-faults"
 *
 * console.log(Correlation.safePattern.test("req-42.a"), Correlation.safePattern.test("a\nb")) // true false
 * ```
 *
 * @category validation
 * @since 0.1.0
 */
export const safePattern: RegExp = /^[A-Za-z0-9._:-]+$/

// W3C Trace Context: version ff, an all-zero trace-id and an all-zero parent-id are invalid (an
// all-zero trace-id would make every such request share one correlation id)
const traceparentPattern = /^(?!ff)[0-9a-f]{2}-(?!0{32})([0-9a-f]{32})-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/

/**
 * How correlation ids are read, validated and made. A service with a default: provide
 * {@link layerConfig} to change it.
 *
 * @example
 * ```ts
 * import { Correlation } from "effect-faults"
 *
 * const config: Correlation.Config = { ...Correlation.defaultConfig, maxLength: 64 }
 * ```
 *
 * @category config
 * @since 0.1.0
 */
export interface Config {
  /** Header names in priority order; `traceparent` yields its trace id. */
  readonly headers: ReadonlyArray<string>
  /** The header written on responses and outgoing calls. */
  readonly responseHeader: string
  /** Longest id accepted. */
  readonly maxLength: number
  /** Headers whose value must be a UUID (the OAS guide's `x-correlator`). */
  readonly uuidHeaders: ReadonlyArray<string>
  /** Makes a fresh id. */
  readonly generate: () => string
}

/**
 * The defaults: `x-correlator`, `x-correlation-id`, `x-request-id`, then `traceparent`; at most 128
 * characters; UUID required for `x-correlator`; fresh ids are random UUIDs.
 *
 * @example
 * ```ts
 * import { Correlation } from "effect-faults"
 *
 * console.log(Correlation.defaultConfig.headers)
 * ```
 *
 * @category config
 * @since 0.1.0
 */
export const defaultConfig: Config = {
  headers: ["x-correlator", "x-correlation-id", "x-request-id", "traceparent"],
  responseHeader: "x-correlator",
  maxLength: 128,
  uuidHeaders: ["x-correlator"],
  generate: () => crypto.randomUUID()
}

/**
 * The correlation configuration in force.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Correlation } from "effect-faults"
 *
 * const header = Effect.map(Correlation.CurrentConfig, (c) => c.responseHeader)
 * ```
 *
 * @category config
 * @since 0.1.0
 */
export const CurrentConfig: Context.Reference<Config> = Context.Reference<Config>(
  "effect-faults/Correlation/Config",
  { defaultValue: () => defaultConfig }
)

/**
 * Provides a correlation configuration (merged over the defaults).
 *
 * @example
 * ```ts
 * import { Correlation } from "effect-faults"
 *
 * const Live = Correlation.layerConfig({ responseHeader: "x-request-id", uuidHeaders: [] })
 * ```
 *
 * @category config
 * @since 0.1.0
 */
export const layerConfig = (config: Partial<Config>): Layer.Layer<never> =>
  Layer.succeed(CurrentConfig, { ...defaultConfig, ...config })

/**
 * Why an incoming id was not accepted. The raw value is never kept: only its header and length.
 *
 * @example
 * ```ts
 * import { Correlation } from "effect-faults"
 *
 * const r: Correlation.Rejected = { header: "x-correlator", length: 3, reason: "not a UUID" }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Rejected {
  readonly header: string
  readonly length: number
  readonly reason: "too long" | "empty" | "not a UUID" | "invalid characters" | "malformed traceparent"
}

/**
 * The outcome of reading incoming headers: the id to use, where it came from, and what was rejected.
 *
 * @example
 * ```ts
 * import { Correlation } from "effect-faults"
 *
 * const r = Correlation.fromHeaders({ "x-request-id": "req-1" })
 * console.log(r.id, r.source) // "req-1" "x-request-id"
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Accepted {
  readonly id: string
  /** The header it came from, or `generated`. */
  readonly source: string
  readonly rejected: ReadonlyArray<Rejected>
}

/**
 * Checks one header value; returns the id to use or why it was refused.
 *
 * @example
 * ```ts
 * import { Correlation } from "effect-faults"
 *
 * console.log(Correlation.validate("x-request-id", "abc")) // "abc"
 * console.log(Correlation.validate("x-correlator", "abc")) // { header: "x-correlator", length: 3, reason: "not a UUID" }
 * ```
 *
 * @category validation
 * @since 0.1.0
 */
export const validate = (header: string, value: string, config: Config = defaultConfig): string | Rejected => {
  const length = value.length
  if (length === 0) return { header, length, reason: "empty" }
  if (header === "traceparent") {
    const match = length === 55 ? traceparentPattern.exec(value) : null
    return match === null ? { header, length, reason: "malformed traceparent" } : match[1]!
  }
  if (length > config.maxLength) return { header, length, reason: "too long" }
  if (config.uuidHeaders.includes(header)) {
    return uuidPattern.test(value)
      ? value
      : { header, length, reason: "not a UUID" }
  }
  return safePattern.test(value) ? value : { header, length, reason: "invalid characters" }
}

/**
 * Reads the correlation id from incoming headers (lower-case names), in the configured priority
 * order; generates one when none is usable.
 *
 * @example
 * ```ts
 * import { Correlation } from "effect-faults"
 *
 * const r = Correlation.fromHeaders({ "x-correlator": "not-a-uuid", "x-request-id": "req-7" })
 * console.log(r.id, r.rejected.length) // "req-7" 1
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const fromHeaders = (
  headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>,
  config: Config = defaultConfig
): Accepted => {
  let rejected: Array<Rejected> | undefined
  for (const header of config.headers) {
    const raw = headers[header]
    if (raw === undefined) continue
    const value = typeof raw === "string" ? raw : raw[0] ?? ""
    const result = validate(header, value, config)
    if (typeof result === "string") return { id: result, source: header, rejected: rejected ?? [] }
    ;(rejected ??= []).push(result)
  }
  return { id: config.generate(), source: "generated", rejected: rejected ?? [] }
}

/**
 * Runs an effect as a unit of work with the given correlation id: in fiber context (inherited by
 * forked fibers) and on every log line as `correlationId`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Correlation } from "effect-faults"
 *
 * const a = Effect.log("hi").pipe(Correlation.withId("c-1"))
 * const b = Correlation.withId(Effect.log("hi"), "c-1")
 * ```
 *
 * @category combinators
 * @since 0.1.0
 */
export const withId: {
  (id: string): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  <A, E, R>(self: Effect.Effect<A, E, R>, id: string): Effect.Effect<A, E, R>
} = Function.dual(
  2,
  <A, E, R>(self: Effect.Effect<A, E, R>, id: string): Effect.Effect<A, E, R> =>
    self.pipe(Effect.annotateLogs("correlationId", id), Effect.provideService(CorrelationId, id))
)

/**
 * Accepts the correlation id of incoming work (or generates one, warning about any rejected
 * header) and runs the effect under it.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Correlation } from "effect-faults"
 *
 * const handle = (headers: Record<string, string>) =>
 *   Effect.log("handling").pipe(Correlation.accept(headers))
 * ```
 *
 * @category combinators
 * @since 0.1.0
 */
export const accept: {
  (headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>): <A, E, R>(
    self: Effect.Effect<A, E, R>
  ) => Effect.Effect<A, E, R>
  <A, E, R>(
    self: Effect.Effect<A, E, R>,
    headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>
  ): Effect.Effect<A, E, R>
} = Function.dual(
  2,
  <A, E, R>(
    self: Effect.Effect<A, E, R>,
    headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>
  ): Effect.Effect<A, E, R> =>
    Effect.flatMap(CurrentConfig, (config) => {
      const accepted = fromHeaders(headers, config)
      const run = withId(self, accepted.id)
      return accepted.rejected.length === 0 ? run : Effect.andThen(warnRejected(accepted), run)
    })
)

/**
 * Logs, at warning level, the headers that were refused (name, length and reason; never the value),
 * under the id that replaced them.
 *
 * @example
 * ```ts
 * import { Correlation } from "effect-faults"
 *
 * const warn = Correlation.warnRejected(Correlation.fromHeaders({ "x-correlator": "bad\nvalue" }))
 * ```
 *
 * @category logging
 * @since 0.1.0
 */
export const warnRejected = (accepted: Accepted): Effect.Effect<void> =>
  Effect.logWarning(
    `correlation header rejected, using ${
      accepted.source === "generated" ? "a generated" : `the ${accepted.source}`
    } id`,
    ...accepted.rejected.map((r) => `${r.header} (${r.length} chars): ${r.reason}`)
  ).pipe(Effect.annotateLogs("correlationId", accepted.id))

/**
 * The current correlation id, or a fresh one when the fiber has none (for outgoing calls made
 * outside any unit of work).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Correlation } from "effect-faults"
 *
 * const headers = Effect.map(Correlation.currentOrGenerate, (id) => ({ "x-correlator": id }))
 * ```
 *
 * @category getters
 * @since 0.1.0
 */
export const currentOrGenerate: Effect.Effect<string> = Effect.flatMap(
  CorrelationId,
  (id) => id !== undefined ? Effect.succeed(id) : Effect.map(CurrentConfig, (c) => c.generate())
)
