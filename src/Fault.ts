/**
 * What failed. Every way a call to another party can fail, as a Schema-backed tagged error that is
 * yieldable in `Effect.gen`, caught with `Effect.catchTag`, matched with `Match`, and encoded and
 * decoded with `Schema`.
 *
 * Each fault carries, read from its class: a stable machine **code** (messages may change, codes never
 * do), a **category**, the **side** at fault (client or server), the behaviour **expected** of the
 * caller, an HTTP-ish **status**, and a fixed **title**. Each instance adds its own fields, an optional
 * `retryAfterMs`, the `correlationId` of the work it belongs to, its **origin** (raised here, or received
 * from the other party) and a local-only `cause` that is never encoded.
 *
 * Faults that are part of an API (not found, invalid field, rate limited, a timeout) are built
 * without a V8 stack capture: in Effect's error path one capture costs more than the whole framework
 * does on a success. Internal faults keep their stack for the logs.
 *
 * @since 0.1.0
 */
import type { Cause, LogLevel } from "effect"
import { Duration, Function, Option, Schema } from "effect"
import * as internal from "./internal/fault.ts"

// -----------------------------------------------------------------------------
// Models
// -----------------------------------------------------------------------------

/**
 * The property key under which a fault class (and each instance, through its prototype) exposes its
 * descriptor.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 *
 * console.log(Fault.NotFound[Fault.TypeId].code) // "NotFound"
 * ```
 *
 * @category symbols
 * @since 0.1.0
 */
export const TypeId: typeof internal.TypeId = internal.TypeId

/**
 * Which layer failed.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 *
 * const c: Fault.Category = new Fault.Timeout({ budget: "overall", afterMs: 500, phase: "MaybeDelivered" }).category
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Category = "transport" | "protocol" | "application" | "security" | "remote" | "internal"

/**
 * The party at fault: `client` when the request (or the credential the client presented) was wrong,
 * `server` when the serving side or the path to it failed. EC2's `Client.`/`Server.` prefixes.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 *
 * const side: Fault.Side = new Fault.NotFound({ resource: "order", id: "42" }).side // "client"
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Side = "client" | "server"

/**
 * The behaviour expected of the caller, as data: the union of what gRPC status codes, Cap'n Proto's
 * exception types and Finagle's failure flags tell a caller.
 *
 * | value | the caller should |
 * |---|---|
 * | `RetryNow` | retry at once (a transient blip) |
 * | `RetryLater` | retry after a delay (`retryAfterMs` when given) |
 * | `ReconnectAndRetry` | drop the connection, reconnect, then retry |
 * | `TryAlternative` | go to another instance / server |
 * | `FixRequest` | change the request: retrying it as is fails again |
 * | `Reauthenticate` | refresh credentials, then retry once |
 * | `DoNotRetry` | give up on this call |
 * | `CallOperator` | a human must act (certificate, configuration, bug) |
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 *
 * const e: Fault.Expected = new Fault.RateLimited({ retryAfterMs: 2000 }).expected // "RetryLater"
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Expected =
  | "RetryNow"
  | "RetryLater"
  | "ReconnectAndRetry"
  | "TryAlternative"
  | "FixRequest"
  | "Reauthenticate"
  | "DoNotRetry"
  | "CallOperator"

/**
 * The schema of {@link Expected}, for wire formats that carry the caller's expected behaviour.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Fault } from "effect-faults"
 *
 * console.log(Schema.is(Fault.ExpectedSchema)("RetryLater")) // true
 * ```
 *
 * @category schemas
 * @since 0.1.0
 */
export const ExpectedSchema: Schema.Literals<
  readonly [
    "RetryNow",
    "RetryLater",
    "ReconnectAndRetry",
    "TryAlternative",
    "FixRequest",
    "Reauthenticate",
    "DoNotRetry",
    "CallOperator"
  ]
> = Schema.Literals([
  "RetryNow",
  "RetryLater",
  "ReconnectAndRetry",
  "TryAlternative",
  "FixRequest",
  "Reauthenticate",
  "DoNotRetry",
  "CallOperator"
])

const expectedValues: ReadonlySet<string> = new Set(ExpectedSchema.literals)

/**
 * Whether a value (typically read off the wire) is one of the {@link Expected} behaviours.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 *
 * console.log(Fault.isExpected("RetryLater"), Fault.isExpected("retry")) // true false
 * ```
 *
 * @category guards
 * @since 0.1.0
 */
export const isExpected = (u: unknown): u is Expected => typeof u === "string" && expectedValues.has(u)

/**
 * Where the fault object was raised: here, or decoded from what the other party sent.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 *
 * console.log(Fault.received(new Fault.NotFound({})).origin) // "remote"
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Origin = "local" | "remote"

/**
 * When a transport fault happened: `BeforeSend` (DNS, refused, TLS handshake: nothing reached the
 * other side, any call is safe to retry) or `MaybeDelivered` (reset, timeout mid-response: the other
 * side may have acted, retry only idempotent calls).
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 *
 * const p: Fault.Phase = new Fault.Unreachable({ reason: "ECONNREFUSED" }).phase // "BeforeSend"
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Phase = "BeforeSend" | "MaybeDelivered"

/**
 * The schema of {@link Phase}.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Fault } from "effect-faults"
 *
 * console.log(Schema.is(Fault.PhaseSchema)("BeforeSend")) // true
 * ```
 *
 * @category schemas
 * @since 0.1.0
 */
export const PhaseSchema: Schema.Literals<readonly ["BeforeSend", "MaybeDelivered"]> = Schema.Literals([
  "BeforeSend",
  "MaybeDelivered"
])

/**
 * Which way the offending data travelled, seen from the call: `outbound` is the request (caller to
 * callee), `inbound` the response (callee to caller). With the fault's {@link Origin} (caught here or
 * by the remote) it gives the four schema-violation cases Foolscap distinguishes.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 *
 * const d: Fault.Direction = "outbound"
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Direction = "outbound" | "inbound"

/**
 * The schema of {@link Direction}.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Fault } from "effect-faults"
 *
 * console.log(Schema.is(Fault.DirectionSchema)("inbound")) // true
 * ```
 *
 * @category schemas
 * @since 0.1.0
 */
export const DirectionSchema: Schema.Literals<readonly ["outbound", "inbound"]> = Schema.Literals([
  "outbound",
  "inbound"
])

/**
 * A per-dialect override of what a fault looks like on one wire format (for instance `ec2`): the
 * code, status, message and log level to use there. Where given it wins; otherwise the fault's own.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 *
 * const ec2: Fault.Dialect = { code: "InvalidInstanceID.Malformed", status: 400, message: "Invalid id" }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Dialect {
  readonly code?: string | undefined
  readonly status?: number | undefined
  readonly message?: string | undefined
  readonly logLevel?: LogLevel.LogLevel | undefined
}

/**
 * Everything a fault class says about its instances; read by the exposure rules, the policies and
 * every interpreter.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 *
 * const d: Fault.Descriptor = Fault.descriptor(Fault.RateLimited)
 * console.log(d.code, d.status) // "RateLimited" 429
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Descriptor<Self = any> {
  readonly tag: string
  /** Stable machine code; never changes once published. */
  readonly code: string
  readonly category: Category
  readonly side: Side | ((self: Self) => Side)
  readonly expected: Expected | ((self: Self) => Expected)
  readonly status: number | ((self: Self) => number)
  /** A fixed, human title (RFC 9457 `title`). */
  readonly title: string
  /** The default message, derived from the fields; an explicit `message` wins. */
  readonly message: ((self: Self) => string) | undefined
  /** Whether the message may cross the wire even when the status is 5xx. */
  readonly public: boolean
  /** Whether construction captures a V8 stack (internal faults do; API faults do not). */
  readonly stack: boolean
  readonly dialects: Readonly<Record<string, Dialect>>
  /** Addressed to the implementer: "sent whenever…". */
  readonly description: string | undefined
}

/**
 * The properties every fault instance has, whatever its class.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 *
 * const describe = (f: Fault.Fault) => `${f.code} (${f.category}, ${f.side}): ${f.expected}`
 * console.log(describe(new Fault.NotFound({ resource: "order" })))
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Fault extends Cause.YieldableError {
  readonly [TypeId]: Descriptor
  readonly _tag: string
  readonly code: string
  readonly category: Category
  readonly side: Side
  readonly expected: Expected
  readonly status: number
  readonly title: string
  readonly origin: Origin
  /** Stable per code: the id every log line about this code carries. */
  readonly eventId: string
  readonly retryAfterMs?: number | undefined
  readonly correlationId?: string | undefined
}

/**
 * The local-only construction properties: never part of the schema, never encoded.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 *
 * const f = new Fault.ConnectionLost({ reason: "ECONNRESET", phase: "MaybeDelivered", cause: new Error("socket hang up") })
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Local {
  /** The underlying error, kept for logs; never encoded, never sent. */
  readonly cause?: unknown
  readonly origin?: Origin | undefined
}

/**
 * Fields every fault has, on top of its own.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 *
 * console.log(Object.keys(Fault.CommonFields)) // ["message", "retryAfterMs", "correlationId"]
 * ```
 *
 * @category schemas
 * @since 0.1.0
 */
export const CommonFields = {
  /** An explicit human message; when absent the class derives one from the fields. */
  message: Schema.optional(Schema.String),
  /** How long the caller should wait before trying again (Retry-After, gRPC RetryInfo, a queue delay). */
  retryAfterMs: Schema.optional(Schema.Number.check(Schema.isFinite(), Schema.isGreaterThanOrEqualTo(0))),
  /** The correlation id of the work this fault belongs to, when known. */
  correlationId: Schema.optional(Schema.String)
}

/**
 * The type of {@link CommonFields}.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 *
 * const keys: Array<keyof Fault.CommonFields> = ["message", "retryAfterMs", "correlationId"]
 * ```
 *
 * @category schemas
 * @since 0.1.0
 */
export type CommonFields = typeof CommonFields

/**
 * A fault class made by {@link define}: a `Schema.TaggedError` class whose instances are {@link Fault}s
 * and whose constructor also takes the {@link Local} properties.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Fault } from "effect-faults"
 *
 * const NotFoundClass: Fault.FaultClass<Fault.NotFound, "NotFound", typeof Fault.NotFound.fields> = Fault.NotFound as any
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface FaultClass<Self, Tag extends string, Fields extends Schema.Struct.Fields>
  extends Schema.Class<Self, Schema.TaggedStruct<Tag, Fields & CommonFields>, Fault>
{
  new(
    ...args: {} extends Schema.TaggedStruct<Tag, Fields & CommonFields>["~type.make.in"] ? [
        props?: Schema.TaggedStruct<Tag, Fields & CommonFields>["~type.make.in"] & Local,
        options?: Schema.MakeOptions
      ]
      : [props: Schema.TaggedStruct<Tag, Fields & CommonFields>["~type.make.in"] & Local, options?: Schema.MakeOptions]
  ): Schema.TaggedStruct<Tag, Fields & CommonFields>["Type"] & Fault
  readonly [TypeId]: Descriptor<Self>
}

/**
 * What the functions of {@link Options} see of an instance: its fields and its origin.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Fault } from "effect-faults"
 *
 * const fields = { statusCode: Schema.Int }
 * const side = (self: Fault.View<typeof fields>): Fault.Side => self.statusCode < 500 ? "client" : "server"
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type View<Fields extends Schema.Struct.Fields> = Schema.Struct.Type<Fields & CommonFields> & {
  readonly origin: Origin
}

/**
 * What {@link define} needs to know about a fault class. Only `category` and `expected` are required;
 * the code defaults to the tag (with `_` turned into `.`), the status to 400 for client faults and
 * 500 otherwise, the side to `client` below 500, the title to the tag in words.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 *
 * const options: Fault.Options<{ readonly origin: Fault.Origin }> = {
 *   category: "application",
 *   expected: "RetryLater",
 *   status: 423,
 *   description: "Sent whenever the order is being edited by another session."
 * }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Options<Self> {
  readonly category: Category
  readonly expected: Expected | ((self: Self) => Expected)
  readonly code?: string | undefined
  readonly side?: Side | ((self: Self) => Side) | undefined
  readonly status?: number | ((self: Self) => number) | undefined
  readonly title?: string | undefined
  readonly message?: ((self: Self) => string) | undefined
  readonly public?: boolean | undefined
  readonly stack?: boolean | undefined
  readonly dialects?: Readonly<Record<string, Dialect>> | undefined
  readonly description?: string | undefined
}

// -----------------------------------------------------------------------------
// Constructors
// -----------------------------------------------------------------------------

// Names every fault answers from its class (or keeps local): a field of the same name would hide them.
const reserved = new Set([
  "_tag",
  "code",
  "category",
  "side",
  "expected",
  "status",
  "title",
  "origin",
  "eventId",
  "stack",
  "cause",
  "name",
  "message",
  "retryAfterMs",
  "correlationId"
])

/**
 * Defines a fault class: a `Schema.TaggedError` with the fault metadata. This is how the built-in
 * faults are made, and how users make their own.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Schema } from "effect"
 * import { Fault } from "effect-faults"
 *
 * // code "InvalidInstanceID.NotFound" (Nova/EC2 rule), status 400, side client
 * class InvalidInstanceID_NotFound extends Fault.define<InvalidInstanceID_NotFound>()("InvalidInstanceID_NotFound", {
 *   instanceId: Schema.String
 * }, {
 *   category: "application",
 *   expected: "FixRequest",
 *   message: (self) => `The instance ID '${self.instanceId}' does not exist`,
 *   dialects: { ec2: { status: 400 } }
 * }) {}
 *
 * const program = Effect.gen(function*() {
 *   return yield* new InvalidInstanceID_NotFound({ instanceId: "i-1" })
 * }).pipe(Effect.catchTag("InvalidInstanceID_NotFound", (e) => Effect.succeed(e.code)))
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const define = <Self = never>() =>
<const Tag extends string, const Fields extends Schema.Struct.Fields>(
  tag: Tag,
  fields: Fields,
  options: Options<View<Fields>>
): [Self] extends [never] ? "Missing `Self` generic: Fault.define<Self>()(...)" : FaultClass<Self, Tag, Fields> => {
  const staticStatus = typeof options.status === "number" ? options.status : undefined
  const side = options.side ?? (staticStatus !== undefined
    ? (staticStatus < 500 ? "client" : "server")
    : options.expected === "FixRequest" || options.expected === "Reauthenticate" || options.category === "application"
    ? "client"
    : "server")
  for (const key of Object.keys(fields)) {
    if (reserved.has(key)) {
      throw new TypeError(`Fault.define("${tag}"): field '${key}' would hide the fault's own '${key}'`)
    }
  }
  const status = options.status ?? (side === "client" ? 400 : 500)
  const descriptor: Descriptor<View<Fields>> = {
    tag,
    code: options.code ?? internal.codeFromTag(tag),
    category: options.category,
    side,
    expected: options.expected,
    status,
    title: options.title ?? internal.titleFromTag(tag),
    message: options.message,
    public: options.public ?? false,
    stack: options.stack ?? options.category === "internal",
    dialects: options.dialects ?? {},
    description: options.description
  }
  const Base: any = Schema.TaggedError<Self>()(tag, { ...fields, ...CommonFields } as any, {
    title: descriptor.title,
    ...(descriptor.description === undefined ? {} : { description: descriptor.description }),
    ...(typeof status === "number" ? { httpApiStatus: status } : {})
  } as any)
  const stack = descriptor.stack
  class FaultBase extends Base {
    static readonly [TypeId] = descriptor
    constructor(props?: Record<string, unknown>, options?: Schema.MakeOptions) {
      // A received fault gets no V8 stack either: it would only show where we decoded it.
      if (!stack || props?.origin === "remote") return internal.construct(new.target.prototype, tag, props)
      super(internal.schemaProps(props), options)
      if (props !== undefined) {
        if (props.cause !== undefined) (this as any)[internal.slots.cause] = props.cause
        if (props.origin !== undefined) (this as any)[internal.slots.origin] = props.origin
      }
    }
  }
  internal.installProto(FaultBase.prototype, descriptor)
  return FaultBase as any
}

// -----------------------------------------------------------------------------
// Shared field schemas
// -----------------------------------------------------------------------------

/**
 * One field-level problem: which field, what was wrong, and (when known) what was expected and what
 * was received.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 *
 * const v: Fault.FieldViolation = { field: "amount", message: "Expected a number", expected: "number", received: "\"ten\"" }
 * ```
 *
 * @category schemas
 * @since 0.1.0
 */
export const FieldViolation = Schema.Struct({
  field: Schema.String,
  message: Schema.String,
  expected: Schema.optional(Schema.String),
  received: Schema.optional(Schema.String)
})

/**
 * The type of {@link FieldViolation}.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 *
 * const v: Fault.FieldViolation = { field: "amount", message: "Expected a number" }
 * ```
 *
 * @category schemas
 * @since 0.1.0
 */
export type FieldViolation = typeof FieldViolation.Type

/**
 * A failure copied from the other party (Foolscap's CopiedFailure): its type name, message, parent
 * type names, and a trace only when the other side chose to send one.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 *
 * const c: Fault.CopiedFailure = { type: "KeyError", message: "'k'", parents: ["LookupError", "Exception"] }
 * ```
 *
 * @category schemas
 * @since 0.1.0
 */
export const CopiedFailure = Schema.Struct({
  type: Schema.String,
  message: Schema.String,
  parents: Schema.Array(Schema.String),
  trace: Schema.optional(Schema.String)
})

/**
 * The type of {@link CopiedFailure}.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 *
 * const c: Fault.CopiedFailure = { type: "TypeError", message: "x is undefined", parents: ["Error"] }
 * ```
 *
 * @category schemas
 * @since 0.1.0
 */
export type CopiedFailure = typeof CopiedFailure.Type

const SideSchema = Schema.Literals(["client", "server"])
const host = (self: { readonly host?: string | undefined }) => self.host ?? "the other party"

// -----------------------------------------------------------------------------
// Transport
// -----------------------------------------------------------------------------

/**
 * The host did not answer: DNS failure, connection refused, no route. Nothing was sent, so any call
 * is safe to retry.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 *
 * const f = new Fault.Unreachable({ host: "vtn.example", reason: "ECONNREFUSED" })
 * console.log(f.code, f.phase, f.expected) // "Unreachable" "BeforeSend" "ReconnectAndRetry"
 * ```
 *
 * @category transport
 * @since 0.1.0
 */
export class Unreachable extends define<Unreachable>()("Unreachable", {
  host: Schema.optional(Schema.String),
  reason: Schema.String
}, {
  category: "transport",
  expected: "ReconnectAndRetry",
  side: "server",
  status: 502,
  title: "Host unreachable",
  message: (self) => `${host(self)} is unreachable (${self.reason})`
}) {
  /** Nothing reached the other side. */
  get phase(): Phase {
    return "BeforeSend"
  }
}

/**
 * The TLS handshake was rejected: certificate invalid, hostname mismatch, unknown CA, client
 * certificate refused. `reason` keeps the platform's own code (e.g. `DEPTH_ZERO_SELF_SIGNED_CERT`).
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 *
 * const f = new Fault.TlsRejected({ host: "vtn.example", reason: "ERR_TLS_CERT_ALTNAME_INVALID" })
 * ```
 *
 * @category transport
 * @since 0.1.0
 */
export class TlsRejected extends define<TlsRejected>()("TlsRejected", {
  host: Schema.optional(Schema.String),
  reason: Schema.String
}, {
  category: "transport",
  expected: "CallOperator",
  side: "server",
  status: 502,
  title: "TLS rejected",
  message: (self) => `TLS handshake with ${host(self)} rejected (${self.reason})`
}) {
  /** A rejected handshake sends no application byte. */
  get phase(): Phase {
    return "BeforeSend"
  }
}

/**
 * The connection broke: reset, partition, closed mid-call. `phase` says whether the request may have
 * reached the other side.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 *
 * const f = new Fault.ConnectionLost({ reason: "ECONNRESET", phase: "MaybeDelivered" })
 * ```
 *
 * @category transport
 * @since 0.1.0
 */
export class ConnectionLost extends define<ConnectionLost>()("ConnectionLost", {
  host: Schema.optional(Schema.String),
  reason: Schema.String,
  phase: PhaseSchema
}, {
  category: "transport",
  expected: "ReconnectAndRetry",
  side: "server",
  status: 502,
  title: "Connection lost",
  message: (self) => `connection to ${host(self)} lost (${self.reason})`
}) {}

/**
 * A time budget ran out: `connect`, `response`, one `attempt`, or the `overall` call.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 *
 * const f = new Fault.Timeout({ operation: "GET /orders", budget: "overall", afterMs: 30_000, phase: "MaybeDelivered" })
 * console.log(f.message) // "GET /orders timed out after 30000ms (overall budget)"
 * ```
 *
 * @category transport
 * @since 0.1.0
 */
export class Timeout extends define<Timeout>()("Timeout", {
  operation: Schema.optional(Schema.String),
  budget: Schema.Literals(["connect", "response", "attempt", "overall"]),
  afterMs: Schema.Finite,
  phase: PhaseSchema
}, {
  category: "transport",
  expected: "RetryLater",
  side: "server",
  status: 504,
  title: "Timeout",
  message: (self) => `${self.operation ?? "call"} timed out after ${self.afterMs}ms (${self.budget} budget)`
}) {}

// -----------------------------------------------------------------------------
// Protocol
// -----------------------------------------------------------------------------

const expectedFromStatus = (status: number): Expected =>
  status === 401
    ? "Reauthenticate"
    : status === 408 || status === 425 || status === 429 || status === 503
    ? "RetryLater"
    : status === 502 || status === 504
    ? "RetryNow"
    : status < 500
    ? "FixRequest"
    : "TryAlternative"

/**
 * The other party answered with a status this call does not accept, and nothing more specific could
 * be read from the body. Keeps a bounded excerpt of the body.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 *
 * const f = new Fault.BadStatus({ statusCode: 503, excerpt: "busy" })
 * console.log(f.side, f.expected) // "server" "RetryLater"
 * ```
 *
 * @category protocol
 * @since 0.1.0
 */
export class BadStatus extends define<BadStatus>()("BadStatus", {
  statusCode: Schema.Int,
  excerpt: Schema.optional(Schema.String),
  url: Schema.optional(Schema.String)
}, {
  category: "protocol",
  side: (self) => self.statusCode < 500 ? "client" : "server",
  expected: (self) => expectedFromStatus(self.statusCode),
  status: 502,
  title: "Bad status",
  message: (self) => `unexpected status ${self.statusCode}`
}) {}

const directionSide = (self: { readonly direction: Direction }): Side =>
  self.direction === "outbound" ? "client" : "server"

/**
 * A body that does not parse at all (JSON, XML, protobuf…). `outbound`: the request was malformed
 * (the client is at fault); `inbound`: the answer was.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 *
 * const f = new Fault.NotWellFormed({ format: "json", direction: "outbound", reason: "Unexpected token } in JSON at position 9" })
 * console.log(f.status) // 400
 * ```
 *
 * @category protocol
 * @since 0.1.0
 */
export class NotWellFormed extends define<NotWellFormed>()("NotWellFormed", {
  format: Schema.String,
  direction: DirectionSchema,
  reason: Schema.String,
  excerpt: Schema.optional(Schema.String)
}, {
  category: "protocol",
  side: directionSide,
  expected: (self) => self.direction === "outbound" ? "FixRequest" : "TryAlternative",
  status: (self) => self.direction === "outbound" ? 400 : 502,
  title: "Not well-formed",
  message: (self) => `${self.direction === "outbound" ? "request" : "response"} is not well-formed ${self.format}`
}) {}

/**
 * A body over the receiver's size limit (RFC 9110 §15.5.14, 413 Content Too Large). `outbound`: the
 * request was too large for the server (the client is at fault: sending it again as is fails again);
 * `inbound`: the answer was too large for us. `limitBytes` is the limit, when the receiver said it.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 *
 * const f = new Fault.ContentTooLarge({ direction: "outbound", limitBytes: 1_048_576 })
 * console.log(f.status, f.expected, f.message) // 413 "FixRequest" "request body exceeds the limit of 1048576 bytes"
 * ```
 *
 * @category protocol
 * @since 0.1.0
 */
export class ContentTooLarge extends define<ContentTooLarge>()("ContentTooLarge", {
  direction: DirectionSchema,
  limitBytes: Schema.optional(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)))
}, {
  category: "protocol",
  side: directionSide,
  expected: (self) => self.direction === "outbound" ? "FixRequest" : "TryAlternative",
  status: (self) => self.direction === "outbound" ? 413 : 502,
  title: "Content too large",
  message: (self) =>
    `${self.direction === "outbound" ? "request" : "response"} body ${
      self.limitBytes === undefined ? "is too large" : `exceeds the limit of ${self.limitBytes} bytes`
    }`
}) {}

/**
 * Data that parsed but broke its schema. `direction` (request or response) and `origin` (caught here
 * or by the remote) give Foolscap's four cases: local outbound (our arguments, rejected before
 * sending), remote inbound (the remote rejected our arguments), remote outbound (the remote's answer
 * broke its own contract), local inbound (we rejected the answer).
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 *
 * const f = new Fault.SchemaViolation({
 *   direction: "outbound",
 *   violations: [{ field: "amount", message: "Expected number", expected: "number", received: "\"ten\"" }]
 * })
 * console.log(f.status, f.caught) // 400 "local"
 * ```
 *
 * @category protocol
 * @since 0.1.0
 */
export class SchemaViolation extends define<SchemaViolation>()("SchemaViolation", {
  direction: DirectionSchema,
  violations: Schema.Array(FieldViolation),
  schema: Schema.optional(Schema.String)
}, {
  category: "protocol",
  side: directionSide,
  expected: (self) => self.direction === "outbound" ? "FixRequest" : "TryAlternative",
  status: (self) => self.direction === "outbound" ? 400 : self.origin === "local" ? 502 : 500,
  title: "Schema violation",
  message: (self) =>
    `${self.direction === "outbound" ? "request" : "response"} violates ${self.schema ?? "its schema"}` +
    (self.violations.length === 0 ? "" : `: ${self.violations.map((v) => `${v.field}: ${v.message}`).join("; ")}`)
}) {
  /** Where the violation was caught: here (`local`) or by the other party (`remote`). */
  get caught(): Origin {
    return this.origin
  }
}

// -----------------------------------------------------------------------------
// Application
// -----------------------------------------------------------------------------

/**
 * The thing asked for does not exist.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 *
 * const f = new Fault.NotFound({ resource: "order", id: "42" })
 * ```
 *
 * @category application
 * @since 0.1.0
 */
export class NotFound extends define<NotFound>()("NotFound", {
  resource: Schema.optional(Schema.String),
  id: Schema.optional(Schema.String)
}, {
  category: "application",
  expected: "DoNotRetry",
  status: 404,
  title: "Not found",
  message: (self) => `${self.resource ?? "resource"}${self.id === undefined ? "" : ` '${self.id}'`} not found`
}) {}

/**
 * A field's value is not acceptable: which field, what was expected, what was received.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 *
 * const f = new Fault.InvalidFieldValue({ field: "startDate", expectedValue: "an ISO date", receivedValue: "tomorrow" })
 * ```
 *
 * @category application
 * @since 0.1.0
 */
export class InvalidFieldValue extends define<InvalidFieldValue>()("InvalidFieldValue", {
  field: Schema.String,
  expectedValue: Schema.String,
  receivedValue: Schema.String
}, {
  category: "application",
  expected: "FixRequest",
  status: 400,
  title: "Invalid field value",
  message: (self) => `invalid value for ${self.field}: expected ${self.expectedValue}, received ${self.receivedValue}`
}) {}

/**
 * The request conflicts with the current state (a duplicate, a stale version).
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 *
 * const f = new Fault.Conflict({ resource: "order", reason: "version 3 expected, 4 found" })
 * ```
 *
 * @category application
 * @since 0.1.0
 */
export class Conflict extends define<Conflict>()("Conflict", {
  resource: Schema.optional(Schema.String),
  reason: Schema.optional(Schema.String)
}, {
  category: "application",
  expected: "DoNotRetry",
  status: 409,
  title: "Conflict",
  message: (self) => `${self.resource ?? "request"} conflicts${self.reason === undefined ? "" : `: ${self.reason}`}`
}) {}

/**
 * Too many requests; `retryAfterMs` says when to come back.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 *
 * const f = new Fault.RateLimited({ retryAfterMs: 2000, limit: "100/min" })
 * ```
 *
 * @category application
 * @since 0.1.0
 */
export class RateLimited extends define<RateLimited>()("RateLimited", {
  limit: Schema.optional(Schema.String)
}, {
  category: "application",
  expected: "RetryLater",
  status: 429,
  title: "Too many requests",
  message: (self) =>
    `rate limited${self.retryAfterMs === undefined ? "" : `, retry after ${Math.ceil(self.retryAfterMs / 1000)}s`}`
}) {}

/**
 * The caller is not (or no longer) authenticated.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 *
 * const f = new Fault.Unauthenticated({ scheme: "Bearer", realm: "api" })
 * ```
 *
 * @category application
 * @since 0.1.0
 */
export class Unauthenticated extends define<Unauthenticated>()("Unauthenticated", {
  scheme: Schema.optional(Schema.String),
  realm: Schema.optional(Schema.String)
}, {
  category: "application",
  expected: "Reauthenticate",
  status: 401,
  title: "Unauthenticated"
}) {}

/**
 * The caller is authenticated but not allowed to do this.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 *
 * const f = new Fault.Forbidden({ action: "delete", resource: "order" })
 * ```
 *
 * @category application
 * @since 0.1.0
 */
export class Forbidden extends define<Forbidden>()("Forbidden", {
  action: Schema.optional(Schema.String),
  resource: Schema.optional(Schema.String)
}, {
  category: "application",
  expected: "DoNotRetry",
  status: 403,
  title: "Forbidden"
}) {}

/**
 * The service cannot take the call now (overloaded, in maintenance, its circuit open); retry later.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 *
 * const f = new Fault.Unavailable({ reason: "circuit open", retryAfterMs: 5000 })
 * ```
 *
 * @category application
 * @since 0.1.0
 */
export class Unavailable extends define<Unavailable>()("Unavailable", {
  reason: Schema.optional(Schema.String)
}, {
  category: "application",
  expected: "RetryLater",
  side: "server",
  status: 503,
  title: "Service unavailable",
  public: true,
  message: (self) => `service unavailable${self.reason === undefined ? "" : ` (${self.reason})`}`
}) {}

// -----------------------------------------------------------------------------
// Security
// -----------------------------------------------------------------------------

const presentedBy = {
  presentedBy: Schema.optional(SideSchema)
}
const securityStatus = (self: { readonly presentedBy?: Side | undefined }, fallback: Side) =>
  (self.presentedBy ?? fallback) === "client" ? 401 : 502

/**
 * A message that must be signed carries no signature, or one that does not cover what it must.
 * `missing` lists the absent components (empty: no signature at all).
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 *
 * const f = new Fault.SignatureMissing({ missing: ["content-digest"], presentedBy: "server" })
 * ```
 *
 * @category security
 * @since 0.1.0
 */
export class SignatureMissing extends define<SignatureMissing>()("SignatureMissing", {
  missing: Schema.Array(Schema.String),
  ...presentedBy
}, {
  category: "security",
  side: (self) => self.presentedBy ?? "client",
  expected: "FixRequest",
  status: (self) => securityStatus(self, "client"),
  title: "Signature missing",
  message: (self) =>
    self.missing.length === 0 ? "signature missing" : `signature incomplete: ${self.missing.join(", ")} not covered`
}) {}

/**
 * A signature that does not verify.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 *
 * const f = new Fault.SignatureInvalid({ keyId: "vtn-1", algorithm: "ed25519" })
 * ```
 *
 * @category security
 * @since 0.1.0
 */
export class SignatureInvalid extends define<SignatureInvalid>()("SignatureInvalid", {
  keyId: Schema.optional(Schema.String),
  algorithm: Schema.optional(Schema.String),
  ...presentedBy
}, {
  category: "security",
  side: (self) => self.presentedBy ?? "client",
  expected: "DoNotRetry",
  status: (self) => securityStatus(self, "client"),
  title: "Signature invalid",
  message: (self) => `signature${self.keyId === undefined ? "" : ` by key '${self.keyId}'`} is invalid`
}) {}

/**
 * The peer's certificate (or key) fingerprint is not the one on record for it.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 *
 * const f = new Fault.FingerprintMismatch({ host: "vtn.example", expectedFingerprint: "AB:CD…", presentedFingerprint: "12:34…" })
 * ```
 *
 * @category security
 * @since 0.1.0
 */
export class FingerprintMismatch extends define<FingerprintMismatch>()("FingerprintMismatch", {
  host: Schema.optional(Schema.String),
  expectedFingerprint: Schema.String,
  presentedFingerprint: Schema.String,
  ...presentedBy
}, {
  category: "security",
  side: (self) => self.presentedBy ?? "server",
  expected: "CallOperator",
  status: (self) => securityStatus(self, "server"),
  title: "Fingerprint mismatch",
  message: (self) => `fingerprint presented by ${host(self)} is not the one on record`
}) {}

/**
 * The peer's certificate is past its `notAfter` date (ISO 8601).
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 *
 * const f = new Fault.CertificateExpired({ host: "vtn.example", notAfter: "2026-01-01T00:00:00.000Z" })
 * ```
 *
 * @category security
 * @since 0.1.0
 */
export class CertificateExpired extends define<CertificateExpired>()("CertificateExpired", {
  host: Schema.optional(Schema.String),
  notAfter: Schema.String,
  subject: Schema.optional(Schema.String),
  reason: Schema.optional(Schema.String),
  ...presentedBy
}, {
  category: "security",
  side: (self) => self.presentedBy ?? "server",
  expected: "CallOperator",
  status: (self) => securityStatus(self, "server"),
  title: "Certificate expired",
  message: (self) => `certificate of ${host(self)} expired on ${self.notAfter}`
}) {}

// -----------------------------------------------------------------------------
// Remote
// -----------------------------------------------------------------------------

/**
 * A failure reported by the other party, carrying what it sent: its code, message, status and
 * expectation, and a copied failure. Its own tag is `RemoteFault` whatever the remote said, so a
 * remote "NotFound" can never be caught by a handler meant for a local `NotFound` (Foolscap's
 * "distrust outsiders").
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Fault } from "effect-faults"
 *
 * const f = new Fault.RemoteFault({ remoteCode: "NotFound", remoteMessage: "no such record", remoteStatus: 404, protocol: "http" })
 * const handled = Effect.fail(f).pipe(Effect.catchTag("RemoteFault", (e) => Effect.succeed(e.remoteCode)))
 * ```
 *
 * @category remote
 * @since 0.1.0
 */
export class RemoteFault extends define<RemoteFault>()("RemoteFault", {
  remoteCode: Schema.String,
  remoteMessage: Schema.optional(Schema.String),
  remoteStatus: Schema.optional(Schema.Int),
  remoteExpected: Schema.optional(ExpectedSchema),
  protocol: Schema.optional(Schema.String),
  failure: Schema.optional(CopiedFailure)
}, {
  category: "remote",
  side: (self) => self.remoteStatus !== undefined && self.remoteStatus < 500 ? "client" : "server",
  expected: (self) =>
    self.remoteExpected ?? (self.remoteStatus === undefined ? "TryAlternative" : expectedFromStatus(self.remoteStatus)),
  status: 502,
  title: "Remote failure",
  message: (self) =>
    `${self.protocol ?? "remote"} failure ${self.remoteCode}${
      self.remoteMessage === undefined ? "" : `: ${self.remoteMessage}`
    }`
}) {
  /** A remote fault is, by definition, received. */
  override get origin(): Origin {
    return "remote"
  }
}

// -----------------------------------------------------------------------------
// Internal
// -----------------------------------------------------------------------------

/**
 * A bug or an unexpected error here. Its detail never leaves the process: the wire gets a generic
 * message and the code `InternalError`; the original (with its stack) is logged.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 *
 * const f = new Fault.InternalError({ message: "pool exhausted: postgres://admin:s3cret@db", cause: new Error("boom") })
 * ```
 *
 * @category internal
 * @since 0.1.0
 */
export class InternalError extends define<InternalError>()("InternalError", {}, {
  category: "internal",
  expected: "CallOperator",
  status: 500,
  title: "Internal error"
}) {}

// -----------------------------------------------------------------------------
// Unions and guards
// -----------------------------------------------------------------------------

/**
 * Every built-in fault class, in taxonomy order.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 *
 * console.log(Fault.builtins.map((c) => c[Fault.TypeId].code))
 * ```
 *
 * @category unions
 * @since 0.1.0
 */
export const builtins = [
  Unreachable,
  TlsRejected,
  ConnectionLost,
  Timeout,
  BadStatus,
  NotWellFormed,
  ContentTooLarge,
  SchemaViolation,
  NotFound,
  InvalidFieldValue,
  Conflict,
  RateLimited,
  Unauthenticated,
  Forbidden,
  Unavailable,
  SignatureMissing,
  SignatureInvalid,
  FingerprintMismatch,
  CertificateExpired,
  RemoteFault,
  InternalError
] as const

/**
 * The union of the built-in faults.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 *
 * const codeOf = (f: Fault.Builtin) => f.code
 * ```
 *
 * @category unions
 * @since 0.1.0
 */
export type Builtin = InstanceType<(typeof builtins)[number]>

/**
 * The schema of the union of the built-in faults, with `Schema.toTaggedUnion` helpers (`match`,
 * `guards`, `cases`).
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Fault } from "effect-faults"
 *
 * const f = Schema.decodeUnknownSync(Fault.BuiltinSchema)({ _tag: "NotFound", id: "42" })
 * console.log(Fault.BuiltinSchema.guards.NotFound(f)) // true
 * ```
 *
 * @category unions
 * @since 0.1.0
 */
export const BuiltinSchema = Schema.Union(builtins).pipe(Schema.toTaggedUnion("_tag"))

/**
 * Whether a value is a fault (built-in or user-defined).
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 *
 * console.log(Fault.isFault(new Fault.NotFound({})), Fault.isFault(new Error("x"))) // true false
 * ```
 *
 * @category guards
 * @since 0.1.0
 */
export const isFault: (u: unknown) => u is Fault = internal.isFault as any

/**
 * The descriptor of a fault class or instance.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 *
 * console.log(Fault.descriptor(Fault.NotFound).status) // 404
 * ```
 *
 * @category getters
 * @since 0.1.0
 */
export const descriptor = (self: Fault | { readonly [TypeId]: Descriptor }): Descriptor => self[TypeId]

// -----------------------------------------------------------------------------
// Combinators
// -----------------------------------------------------------------------------

const defineOwn = (self: object, key: string, value: unknown) =>
  Object.defineProperty(self, key, { value, writable: true, enumerable: false, configurable: true })

// The non-enumerable own properties a fault built by the `Error` constructor carries (its message
// and V8 stack); the rest, fields and slots alike, `Object.assign` copies.
const localKeys = ["message", "stack"] as const

const clone = <F extends Fault>(self: F, patch: (copy: any) => void): F => {
  const copy = Object.assign(Object.create(Object.getPrototypeOf(self)), self)
  for (const key of localKeys) {
    if (Object.hasOwn(self, key)) defineOwn(copy, key, (self as any)[key])
  }
  patch(copy)
  return copy
}

/**
 * Marks a fault as received from the other party (trust mode): the same class, so typed handlers
 * catch it, with `origin: "remote"`.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 *
 * const f = Fault.received(new Fault.NotFound({ id: "42" }))
 * console.log(f.origin) // "remote"
 * ```
 *
 * @category combinators
 * @since 0.1.0
 */
export const received = <F extends Fault>(self: F): F =>
  self.origin === "remote" ? self : clone(self, (copy) => (copy[internal.slots.origin] = "remote"))

/**
 * Attaches a local-only cause (kept for logs, never encoded).
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 *
 * const f = new Fault.InternalError({}).pipe(Fault.withCause(new Error("db down")))
 * const g = Fault.withCause(new Fault.InternalError({}), new Error("db down"))
 * ```
 *
 * @category combinators
 * @since 0.1.0
 */
export const withCause: {
  (cause: unknown): <F extends Fault>(self: F) => F
  <F extends Fault>(self: F, cause: unknown): F
} = Function.dual(
  2,
  <F extends Fault>(self: F, cause: unknown): F => clone(self, (copy) => (copy[internal.slots.cause] = cause))
)

/**
 * Sets the correlation id a fault belongs to.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 *
 * const f = Fault.withCorrelationId(new Fault.NotFound({}), "b2c4…")
 * ```
 *
 * @category combinators
 * @since 0.1.0
 */
export const withCorrelationId: {
  (correlationId: string): <F extends Fault>(self: F) => F
  <F extends Fault>(self: F, correlationId: string): F
} = Function.dual(
  2,
  <F extends Fault>(self: F, correlationId: string): F =>
    self.correlationId === correlationId ? self : clone(self, (copy) => {
      copy.correlationId = correlationId
    })
)

/**
 * Overrides what the caller is expected to do, on a copy (for a `RemoteFault`, its `remoteExpected`,
 * so the override is what the wire carries). A delay hint that no longer applies — any expectation but
 * a retry — is dropped with it.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 *
 * const f = Fault.withExpected(new Fault.Timeout({ budget: "response", afterMs: 5, phase: "MaybeDelivered" }), "DoNotRetry")
 * console.log(f.expected) // "DoNotRetry"
 * const g = new Fault.RateLimited({ retryAfterMs: 1 }).pipe(Fault.withExpected("DoNotRetry"))
 * ```
 *
 * @category combinators
 * @since 0.1.0
 */
export const withExpected: {
  (expected: Expected): <F extends Fault>(self: F) => F
  <F extends Fault>(self: F, expected: Expected): F
} = Function.dual(2, <F extends Fault>(self: F, expected: Expected): F =>
  clone(self, (copy) => {
    // kept where every copy (`clone`) and the public view find it, not as an own property
    if (self._tag === "RemoteFault") copy.remoteExpected = expected
    else copy[internal.slots.expected] = expected
    if (expected !== "RetryNow" && expected !== "RetryLater" && expected !== "ReconnectAndRetry") {
      delete copy.retryAfterMs
    }
  }))

// -----------------------------------------------------------------------------
// Getters
// -----------------------------------------------------------------------------

/**
 * The delay the fault asks for, if any.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 *
 * console.log(Fault.retryAfter(new Fault.RateLimited({ retryAfterMs: 1500 }))) // Some(Duration(1500 millis))
 * ```
 *
 * @category getters
 * @since 0.1.0
 */
export const retryAfter = (self: Fault): Option.Option<Duration.Duration> =>
  self.retryAfterMs === undefined ? Option.none() : Option.some(Duration.millis(self.retryAfterMs))

/**
 * The transport phase of a fault: `BeforeSend`, `MaybeDelivered`, or `undefined` when the fault says
 * nothing about delivery (application faults: the other side answered, so the request was delivered
 * and acted upon as far as the answer says).
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 *
 * console.log(Fault.phase(new Fault.Unreachable({ reason: "ENOTFOUND" }))) // "BeforeSend"
 * ```
 *
 * @category getters
 * @since 0.1.0
 */
export const phase = (self: Fault): Phase | undefined => (self as { readonly phase?: Phase }).phase

/**
 * Whether the fault's expected behaviour is some form of retry (now, later, or after reconnecting).
 * Whether a retry is *safe* also depends on the call: see {@link isSafeToRetry}.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 *
 * console.log(Fault.isRetryable(new Fault.Timeout({ budget: "response", afterMs: 1, phase: "MaybeDelivered" }))) // true
 * console.log(Fault.isRetryable(new Fault.InvalidFieldValue({ field: "a", expectedValue: "b", receivedValue: "c" }))) // false
 * ```
 *
 * @category predicates
 * @since 0.1.0
 */
export const isRetryable = (self: Fault): boolean => {
  const e = self.expected
  return e === "RetryNow" || e === "RetryLater" || e === "ReconnectAndRetry"
}

/**
 * Whether retrying is both wanted and safe: the fault is retryable, and either the call is
 * idempotent or the fault happened before anything was sent.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 *
 * const reset = new Fault.ConnectionLost({ reason: "ECONNRESET", phase: "MaybeDelivered" })
 * console.log(Fault.isSafeToRetry(reset, { idempotent: false })) // false
 * console.log(Fault.isSafeToRetry(reset, { idempotent: true })) // true
 * ```
 *
 * @category predicates
 * @since 0.1.0
 */
export const isSafeToRetry: {
  (options: { readonly idempotent: boolean }): (self: Fault) => boolean
  (self: Fault, options: { readonly idempotent: boolean }): boolean
} = Function.dual(
  2,
  (self: Fault, options: { readonly idempotent: boolean }): boolean =>
    isRetryable(self) && (options.idempotent || phase(self) === "BeforeSend")
)

/**
 * Turns anything caught (a fault, an `Error`, a defect) into a fault: faults pass through, anything
 * else becomes an {@link InternalError} carrying it as its local cause.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 *
 * const f = Fault.fromUnknown(new TypeError("undefined is not a function"))
 * console.log(f._tag) // "InternalError"
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const fromUnknown = (u: unknown): Fault => isFault(u) ? u : new InternalError({ cause: u })
