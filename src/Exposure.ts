/**
 * What a remote party may see of a fault. Every interpreter renders a fault through its public view,
 * never from the fault itself, so one set of rules decides what crosses the wire:
 *
 * - the message is public when the status is 4xx, or the fault class is marked `public`, or the
 *   dialect in use has an override for it;
 * - otherwise (5xx, internal, unknown errors and defects) the wire gets the generic message and the
 *   code `InternalError`; the original is logged (see `Report`) under the event id the view carries;
 * - stack traces go out only when `unsafeTracebacks` is on (off by default), truncated to about
 *   2000 bytes keeping the head and the tail;
 * - the local `cause` never crosses.
 *
 * @since 0.1.0
 */
import { Context, Function, Layer, Schema } from "effect"
import * as Catalog from "./Catalog.ts"
import * as Fault from "./Fault.ts"
import * as internal from "./internal/fault.ts"

/**
 * The exposure settings. A service with a default: provide {@link layerConfig} to change it.
 *
 * @example
 * ```ts
 * import { Exposure } from "effect-faults"
 *
 * const dev: Exposure.Config = { ...Exposure.defaultConfig, unsafeTracebacks: true }
 * ```
 *
 * @category config
 * @since 0.1.0
 */
export interface Config {
  /** Send stack traces to the other party (truncated). Off by default: traces reveal internals. */
  readonly unsafeTracebacks: boolean
  /** The byte budget of a trace that is sent. */
  readonly maxTraceBytes: number
  /** What a non-public fault says on the wire. */
  readonly genericMessage: string
}

/**
 * The defaults: no tracebacks, 2000 bytes when they are on, "Internal error".
 *
 * @example
 * ```ts
 * import { Exposure } from "effect-faults"
 *
 * console.log(Exposure.defaultConfig.unsafeTracebacks) // false
 * ```
 *
 * @category config
 * @since 0.1.0
 */
export const defaultConfig: Config = { unsafeTracebacks: false, maxTraceBytes: 2000, genericMessage: "Internal error" }

/**
 * The exposure settings in force.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Exposure } from "effect-faults"
 *
 * const tracesOn = Effect.map(Exposure.CurrentConfig, (c) => c.unsafeTracebacks)
 * ```
 *
 * @category config
 * @since 0.1.0
 */
export const CurrentConfig: Context.Reference<Config> = Context.Reference<Config>("effect-faults/Exposure/Config", {
  defaultValue: () => defaultConfig
})

/**
 * Provides exposure settings (merged over the defaults).
 *
 * @example
 * ```ts
 * import { Exposure } from "effect-faults"
 *
 * const Dev = Exposure.layerConfig({ unsafeTracebacks: true })
 * ```
 *
 * @category config
 * @since 0.1.0
 */
export const layerConfig = (config: Partial<Config>): Layer.Layer<never> =>
  Layer.succeed(CurrentConfig, { ...defaultConfig, ...config })

/**
 * What the other party may see of one fault: the neutral shape every dialect encodes.
 *
 * @example
 * ```ts
 * import { Exposure, Fault } from "effect-faults"
 *
 * const v: Exposure.PublicView = Exposure.view(new Fault.NotFound({ resource: "order", id: "42" }))
 * console.log(v.code, v.status, v.message) // "NotFound" 404 "order '42' not found"
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface PublicView {
  /** The fault's tag, or `InternalError` when redacted. */
  readonly tag: string
  readonly code: string
  readonly status: number
  readonly title: string
  readonly message: string
  readonly category: Fault.Category
  readonly side: Fault.Side
  readonly expected: Fault.Expected
  /** The expectation-to-the-client sentence, from the catalog. */
  readonly expectation: string | undefined
  readonly retryAfterMs: number | undefined
  readonly correlationId: string | undefined
  /** Stable per code: the id the original was logged under. */
  readonly eventId: string
  /** The fault's own fields, when it is public (field name → encoded value). */
  readonly fields: Readonly<Record<string, unknown>> | undefined
  readonly violations: ReadonlyArray<Fault.FieldViolation> | undefined
  /** Only with `unsafeTracebacks`, truncated. */
  readonly trace: string | undefined
  /** True when the fault's own code and message were withheld. */
  readonly redacted: boolean
  /** Extra headers the catalog entry implies (lower-case names). */
  readonly headers: ReadonlyArray<string> | undefined
}

/**
 * Options of {@link view}.
 *
 * @example
 * ```ts
 * import { Catalog, Exposure } from "effect-faults"
 *
 * const options: Exposure.ViewOptions = { dialect: "ec2", catalog: Catalog.gateway, correlationId: "c-1" }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface ViewOptions {
  /** The dialect being written: its per-fault overrides apply and make the fault public. */
  readonly dialect?: string | undefined
  /** A catalog whose entry for the fault decides the code, status and fixed message. */
  readonly catalog?: Catalog.Catalog | undefined
  /** The correlation id to carry when the fault has none of its own. */
  readonly correlationId?: string | undefined
  readonly config?: Config | undefined
}

// Per class, read once: its field names, and its canonical JSON encoder when its fields are not
// already their own JSON form (null otherwise: they are copied as they are).
interface ClassInfo {
  readonly names: ReadonlyArray<string>
  readonly encode: ((u: unknown) => unknown) | null
}
const classInfos = new WeakMap<object, ClassInfo>()
// failures come in runs of one class (a route, a consumer): the last class answers before the map
let lastCtor: unknown
let lastInfo: ClassInfo | undefined
const classInfoOf = (ctor: any): ClassInfo => {
  if (ctor === lastCtor) return lastInfo!
  let info = classInfos.get(ctor)
  if (info === undefined) {
    info = {
      names: internal.fieldNames(ctor),
      encode: internal.hasJsonFields(ctor) ? null : Schema.encodeUnknownSync(Schema.toCodecJson(ctor) as any) as any
    }
    classInfos.set(ctor, info)
  }
  lastCtor = ctor
  lastInfo = info
  return info
}

/**
 * The fault's own fields in their JSON form, without the common ones (`message`, `retryAfterMs`,
 * `correlationId`) and the tag.
 *
 * @example
 * ```ts
 * import { Exposure, Fault } from "effect-faults"
 *
 * console.log(Exposure.fieldsOf(new Fault.NotFound({ resource: "order", id: "42" }))) // { resource: "order", id: "42" }
 * ```
 *
 * @category getters
 * @since 0.1.0
 */
export const fieldsOf = (fault: Fault.Fault): Record<string, unknown> => {
  const info = classInfoOf(fault.constructor)
  const source = (info.encode === null ? fault : info.encode(fault)) as Record<string, unknown>
  const out: Record<string, unknown> = {}
  const names = info.names
  for (let i = 0; i < names.length; i++) {
    const value = source[names[i]!]
    if (value !== undefined) out[names[i]!] = value
  }
  return out
}

/**
 * Truncates text to about `maxBytes` UTF-8 bytes, keeping the head and the tail (where a trace's
 * most useful frames are) and saying how much was cut.
 *
 * @example
 * ```ts
 * import { Exposure } from "effect-faults"
 *
 * const t = Exposure.truncate("a".repeat(5000), 2000)
 * console.log(Buffer.byteLength(t) <= 2000) // true
 * ```
 *
 * @category utils
 * @since 0.1.0
 */
export const truncate = (text: string, maxBytes: number = defaultConfig.maxTraceBytes): string => {
  // the usual case, a text that fits, needs no copy: a UTF-16 unit is at most 3 UTF-8 bytes
  if (text.length * 3 <= maxBytes || Buffer.byteLength(text, "utf8") <= maxBytes) return text
  const bytes = Buffer.from(text, "utf8")
  const marker = `\n… ${bytes.length} bytes, truncated …\n`
  const keep = Math.max(0, maxBytes - Buffer.byteLength(marker))
  const head = Math.ceil(keep / 2)
  // toString on a cut multi-byte sequence yields U+FFFD (3 bytes): trim back to stay inside the budget
  const decode = (buf: Buffer) => buf.toString("utf8").replace(/\uFFFD+$|^\uFFFD+/g, "")
  return decode(bytes.subarray(0, head)) + marker + decode(bytes.subarray(bytes.length - (keep - head)))
}

/**
 * Whether a fault's own message may go to the other party under the given dialect and catalog.
 *
 * @example
 * ```ts
 * import { Exposure, Fault } from "effect-faults"
 *
 * console.log(Exposure.isPublic(new Fault.NotFound({}))) // true (4xx)
 * console.log(Exposure.isPublic(new Fault.InternalError({}))) // false
 * ```
 *
 * @category predicates
 * @since 0.1.0
 */
export const isPublic = (fault: Fault.Fault, options?: ViewOptions): boolean => {
  const d = fault[Fault.TypeId]
  if (d.public) return true
  if (options?.dialect !== undefined && d.dialects[options.dialect] !== undefined) return true
  const entry = options?.catalog === undefined ? undefined : Catalog.lookup(options.catalog, fault)
  return (entry === undefined ? fault.status : Catalog.statusFor(entry, fault)) < 500
}

const redactedCode = "InternalError"
const redactedEventId = internal.eventIdOf(redactedCode)

/**
 * The public view of anything a handler failed with: a fault is viewed by the rules above; any other
 * error or defect is an internal error.
 *
 * @example
 * ```ts
 * import { Exposure, Fault } from "effect-faults"
 *
 * const v = Exposure.view(new Fault.InternalError({ message: "password=hunter2 rejected by db" }))
 * console.log(v.code, v.message, v.redacted) // "InternalError" "Internal error" true
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const view = (failure: unknown, options?: ViewOptions): PublicView => {
  const config = options?.config ?? defaultConfig
  // the class descriptor, read once rather than through the (megamorphic) getters of each class;
  // its presence is what makes a fault (`Fault.isFault`), so one read answers both
  const d: Fault.Descriptor | undefined = typeof failure === "object" && failure !== null
    ? (failure as { readonly [Fault.TypeId]?: Fault.Descriptor })[Fault.TypeId]
    : undefined
  if (d === undefined) {
    return redacted(undefined, 500, "server", "CallOperator", undefined, options?.correlationId, config, failure)
  }
  const fault = failure as Fault.Fault
  const correlationId = fault.correlationId ?? options?.correlationId
  const own = typeof d.status === "number" ? d.status : d.status(fault)
  const dialect = options?.dialect === undefined ? undefined : d.dialects[options.dialect]
  const entry = options?.catalog === undefined ? undefined : Catalog.lookup(options.catalog, fault)
  const status = dialect?.status ?? (entry === undefined ? own : Catalog.statusFor(entry, fault))
  // an override on the fault (`Fault.withExpected`: upstream hints stripped) wins over the catalog
  const expected = (fault as any)[internal.slots.expected] as Fault.Expected | undefined ??
    entry?.expected ?? (typeof d.expected === "string" ? d.expected : d.expected(fault))
  const side = typeof d.side === "string" ? d.side : d.side(fault)
  if (!(d.public || dialect !== undefined || status < 500)) {
    // A catalogued code is public by definition (the catalog published it): only the message is withheld.
    if (entry !== undefined) {
      return {
        tag: entry.code,
        code: entry.code,
        status,
        title: entry.title,
        message: entry.title,
        category: d.category,
        side,
        expected,
        expectation: entry.expectation,
        retryAfterMs: fault.retryAfterMs,
        correlationId,
        eventId: fault.eventId,
        fields: undefined,
        violations: undefined,
        trace: config.unsafeTracebacks ? traceOf(fault, config) : undefined,
        redacted: true,
        headers: entry.headers
      }
    }
    return redacted(fault, status, side, expected, fault.retryAfterMs, correlationId, config, fault)
  }
  // a catalog entry may publish fewer fields than the fault carries
  const fields = entry?.publicFields === undefined ? fieldsOf(fault) : only(fieldsOf(fault), entry.publicFields)
  return {
    tag: fault._tag,
    code: dialect?.code ?? entry?.code ?? d.code,
    status,
    title: entry?.title ?? d.title,
    message: dialect?.message ?? fault.message,
    category: d.category,
    side,
    expected,
    expectation: entry?.expectation,
    retryAfterMs: fault.retryAfterMs,
    correlationId,
    eventId: fault.eventId,
    fields,
    violations: fields.violations as ReadonlyArray<Fault.FieldViolation> | undefined,
    trace: config.unsafeTracebacks ? traceOf(fault, config) : undefined,
    redacted: false,
    headers: entry?.headers
  }
}

const only = (fields: Record<string, unknown>, names: ReadonlyArray<string>): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  for (const name of names) if (Object.hasOwn(fields, name)) out[name] = fields[name]
  return out
}

const traceOf = (failure: unknown, config: Config): string | undefined => {
  const stack = typeof failure === "object" && failure !== null ? (failure as { stack?: unknown }).stack : undefined
  return typeof stack === "string" ? truncate(stack, config.maxTraceBytes) : undefined
}

const redacted = (
  fault: Fault.Fault | undefined,
  status: number,
  side: Fault.Side,
  expected: Fault.Expected,
  retryAfterMs: number | undefined,
  correlationId: string | undefined,
  config: Config,
  original: unknown
): PublicView => ({
  tag: redactedCode,
  code: redactedCode,
  status,
  title: config.genericMessage,
  message: config.genericMessage,
  category: "internal",
  side,
  expected,
  expectation: undefined,
  retryAfterMs,
  correlationId,
  eventId: fault?.eventId ?? redactedEventId,
  fields: undefined,
  violations: undefined,
  trace: config.unsafeTracebacks ? traceOf(original, config) : undefined,
  redacted: true,
  headers: undefined
})

/**
 * Data-first and pipeable form of {@link view} with options.
 *
 * @example
 * ```ts
 * import { Catalog, Exposure, Fault } from "effect-faults"
 *
 * const v = new Fault.Unreachable({ reason: "ECONNREFUSED" }).pipe(Exposure.viewWith({ catalog: Catalog.gateway }))
 * console.log(v.status, v.message) // 532 "Bad Gateway. Upstream server not responding."
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const viewWith: {
  (options: ViewOptions): (failure: unknown) => PublicView
  (failure: unknown, options: ViewOptions): PublicView
} = Function.dual(2, (failure: unknown, options: ViewOptions) => view(failure, options))
