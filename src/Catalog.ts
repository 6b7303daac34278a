/**
 * An application's faults in one place: for each, the stable code, the status, a fixed title (the
 * message the wire carries), a description addressed to the implementer ("sent whenever…"), the
 * expectation-to-the-client sentence, the extra headers it implies and the fields that may be
 * public. The HTTP and RPC interpreters and the OpenAPI output are driven from catalogs.
 *
 * @since 0.1.0
 */
import { Context, Data, Function, Layer } from "effect"
import * as Fault from "./Fault.ts"

/**
 * One catalogued fault.
 *
 * @example
 * ```ts
 * import { Catalog } from "effect-faults"
 *
 * const entry: Catalog.Entry = {
 *   code: "OrderLocked",
 *   status: 423,
 *   title: "Order locked",
 *   description: "Sent whenever the order is being edited by another session.",
 *   expectation: "Retry after the lock expires."
 * }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Entry {
  /** The stable machine code. */
  readonly code: string
  /** The status the wire carries (HTTP status; also drives gRPC/JSON-RPC mapping). */
  readonly status: number
  /**
   * For classes whose status follows the instance (a `SchemaViolation` is 400 outbound, 502
   * inbound): the instance's status, which wins over `status` (then only a documentation default).
   */
  readonly statusOf?: ((fault: Fault.Fault) => number) | undefined
  /** A fixed, public message: what every response for this entry says. */
  readonly title: string
  /** Addressed to the implementer of the server: when this response is sent. */
  readonly description: string
  /** The behaviour expected of the client, as one sentence both people and programs understand. */
  readonly expectation?: string | undefined
  /** The expected behaviour as data, when it differs from the fault's own. */
  readonly expected?: Fault.Expected | undefined
  /** Extra headers this response implies, lower-case (e.g. `retry-after`). */
  readonly headers?: ReadonlyArray<string> | undefined
  /** Fields of the fault that may be sent to the other party. */
  readonly publicFields?: ReadonlyArray<string> | undefined
  /** The fault class the code decodes back to (trust mode). */
  readonly fault?: { readonly [Fault.TypeId]: Fault.Descriptor } | undefined
  /** Faults of other codes that are answered with this entry (e.g. `Unreachable` → 532). */
  readonly from?: ((fault: Fault.Fault) => boolean) | undefined
}

/**
 * A set of entries, unique by code.
 *
 * @example
 * ```ts
 * import { Catalog, Fault } from "effect-faults"
 *
 * const catalog = Catalog.fromFaults([Fault.NotFound, Fault.RateLimited])
 * console.log(Catalog.get(catalog, "RateLimited")?.status) // 429
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Catalog {
  readonly entries: ReadonlyArray<Entry>
  readonly byCode: ReadonlyMap<string, Entry>
  /** Entries with a `from` rule, tried in order after the code lookup. */
  readonly rules: ReadonlyArray<Entry>
}

/**
 * Raised when two entries claim the same code: a catalog is the one place codes are decided, so a
 * collision is a configuration bug, reported when the catalog is built.
 *
 * @example
 * ```ts
 * import { Catalog } from "effect-faults"
 *
 * try {
 *   Catalog.make([{ code: "A", status: 400, title: "a", description: "" }, { code: "A", status: 409, title: "b", description: "" }])
 * } catch (e) {
 *   console.log((e as Catalog.DuplicateCode).code) // "A"
 * }
 * ```
 *
 * @category errors
 * @since 0.1.0
 */
export class DuplicateCode extends Data.TaggedError("DuplicateCode")<{
  readonly code: string
  readonly titles: readonly [string, string]
}> {
  override get message() {
    return `duplicate fault code '${this.code}' in catalog: '${this.titles[0]}' and '${this.titles[1]}'`
  }
}

/**
 * Builds a catalog from entries. Throws {@link DuplicateCode} when two entries share a code.
 *
 * @example
 * ```ts
 * import { Catalog } from "effect-faults"
 *
 * const catalog = Catalog.make([
 *   { code: "OrderLocked", status: 423, title: "Order locked", description: "Sent whenever the order is being edited." }
 * ])
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (entries: Iterable<Entry>): Catalog => {
  const list = Array.from(entries)
  const byCode = new Map<string, Entry>()
  for (const entry of list) {
    const existing = byCode.get(entry.code)
    if (existing !== undefined) throw new DuplicateCode({ code: entry.code, titles: [existing.title, entry.title] })
    byCode.set(entry.code, entry)
  }
  return { entries: list, byCode, rules: list.filter((e) => e.from !== undefined) }
}

/**
 * The catalog entry a fault class implies: its code, static status, title, description, and its
 * `retry-after` header when it is a retry-later fault.
 *
 * @example
 * ```ts
 * import { Catalog, Fault } from "effect-faults"
 *
 * console.log(Catalog.entryOf(Fault.NotFound).status) // 404
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const entryOf = (faultClass: { readonly [Fault.TypeId]: Fault.Descriptor }): Entry => {
  const d = faultClass[Fault.TypeId]
  const expected = typeof d.expected === "string" ? d.expected : undefined
  return {
    code: d.code,
    status: typeof d.status === "number" ? d.status : 500,
    statusOf: typeof d.status === "number" ? undefined : (fault) => fault.status,
    title: d.title,
    description: d.description ?? `Sent whenever the call fails with ${d.code}.`,
    expected,
    headers: expected === "RetryLater" ? ["retry-after"] : undefined,
    fault: faultClass
  }
}

/**
 * Builds a catalog from fault classes (built-in or user-defined).
 *
 * @example
 * ```ts
 * import { Catalog, Fault } from "effect-faults"
 *
 * const catalog = Catalog.fromFaults(Fault.builtins)
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const fromFaults = (classes: Iterable<{ readonly [Fault.TypeId]: Fault.Descriptor }>): Catalog =>
  make(Array.from(classes, entryOf))

/**
 * Joins catalogs; a code present in both is a {@link DuplicateCode}.
 *
 * @example
 * ```ts
 * import { Catalog, Fault } from "effect-faults"
 *
 * const all = Catalog.merge(Catalog.fromFaults([Fault.NotFound]), Catalog.gateway)
 * const same = Catalog.fromFaults([Fault.NotFound]).pipe(Catalog.merge(Catalog.gateway))
 * ```
 *
 * @category combinators
 * @since 0.1.0
 */
export const merge: {
  (that: Catalog): (self: Catalog) => Catalog
  (self: Catalog, that: Catalog): Catalog
} = Function.dual(2, (self: Catalog, that: Catalog): Catalog => make([...self.entries, ...that.entries]))

/**
 * The status an entry answers a fault with: the instance's own where the entry follows it.
 *
 * @example
 * ```ts
 * import { Catalog, Fault } from "effect-faults"
 *
 * const fault = new Fault.SchemaViolation({ direction: "outbound", violations: [] })
 * console.log(Catalog.statusFor(Catalog.get(Catalog.builtin, "SchemaViolation")!, fault)) // 400
 * ```
 *
 * @category getters
 * @since 0.1.0
 */
export const statusFor = (entry: Entry, fault: Fault.Fault): number =>
  entry.statusOf === undefined ? entry.status : entry.statusOf(fault)

/**
 * The entry for a code.
 *
 * @example
 * ```ts
 * import { Catalog } from "effect-faults"
 *
 * console.log(Catalog.get(Catalog.gateway, "UpstreamNotResponding")?.status) // 532
 * ```
 *
 * @category getters
 * @since 0.1.0
 */
export const get: {
  (code: string): (self: Catalog) => Entry | undefined
  (self: Catalog, code: string): Entry | undefined
} = Function.dual(2, (self: Catalog, code: string): Entry | undefined => self.byCode.get(code))

/**
 * The entry that answers for a fault: the entry of its code, else the first whose `from` rule
 * accepts it.
 *
 * @example
 * ```ts
 * import { Catalog, Fault } from "effect-faults"
 *
 * const entry = Catalog.lookup(Catalog.gateway, new Fault.Unreachable({ reason: "ECONNREFUSED" }))
 * console.log(entry?.status) // 532
 * ```
 *
 * @category getters
 * @since 0.1.0
 */
export const lookup: {
  (fault: Fault.Fault): (self: Catalog) => Entry | undefined
  (self: Catalog, fault: Fault.Fault): Entry | undefined
} = Function.dual(2, (self: Catalog, fault: Fault.Fault): Entry | undefined => {
  const byCode = self.byCode.get(fault.code)
  if (byCode !== undefined) return byCode
  for (const rule of self.rules) if (rule.from!(fault)) return rule
  return undefined
})

/**
 * The empty catalog.
 *
 * @example
 * ```ts
 * import { Catalog } from "effect-faults"
 *
 * console.log(Catalog.empty.entries.length) // 0
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const empty: Catalog = make([])

/**
 * The catalog in force for the current fiber: what interpreters consult when they encode a fault or
 * map a received code back (trust mode). Defaults to the built-in faults.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Catalog } from "effect-faults"
 *
 * const program = Effect.gen(function*() {
 *   const catalog = yield* Catalog.Current
 *   return Catalog.get(catalog, "NotFound")?.status
 * })
 * ```
 *
 * @category services
 * @since 0.1.0
 */
export const Current: Context.Reference<Catalog> = Context.Reference<Catalog>("effect-faults/Catalog/Current", {
  defaultValue: () => builtin
})

/**
 * Provides a catalog for everything under it.
 *
 * @example
 * ```ts
 * import { Catalog, Fault } from "effect-faults"
 *
 * const CatalogLive = Catalog.layer(Catalog.merge(Catalog.fromFaults(Fault.builtins), Catalog.gateway))
 * ```
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = (catalog: Catalog): Layer.Layer<never> => Layer.succeed(Current, catalog)

/**
 * The built-in faults as a catalog.
 *
 * @example
 * ```ts
 * import { Catalog } from "effect-faults"
 *
 * console.log(Catalog.get(Catalog.builtin, "InternalError")?.status) // 500
 * ```
 *
 * @category catalogs
 * @since 0.1.0
 */
export const builtin: Catalog = fromFaults(Fault.builtins)

const isInbound = (f: Fault.Fault) => (f as { readonly direction?: string }).direction === "inbound"
const isUpstream = (f: Fault.Fault) => f.origin === "remote" || f.category === "remote"

/**
 * The gateway catalog of the OAS error-message guide (responses 429, 460, 461, 470, 471, 502, 530,
 * 531, 532, 533 and 550), with its exact messages and descriptions. Entries 502, 530, 531 and 532
 * also answer for the built-in faults a gateway meets when it calls a device: a wrong-typed or
 * too large answer (502), a corrupted one (530), authentication refused upstream (531), an
 * unreachable or silent upstream (532).
 *
 * @example
 * ```ts
 * import { Catalog } from "effect-faults"
 *
 * for (const e of Catalog.gateway.entries) console.log(e.status, e.title)
 * ```
 *
 * @category catalogs
 * @since 0.1.0
 */
export const gateway: Catalog = make([
  {
    code: "TooManyRequests",
    status: 429,
    title: "Too many requests",
    description:
      "Response in case too many requests need to be executed in parallel or too many requests have been received within a time period. The maximum number of parallel requests is defined in an IntegerProfile with the service name as a prefix and MaxNumberOfParallelRequests as a suffix. Some time period to elapse for throttling incomming requests is defined in an IntegerProfile with the service name as a prefix and ThrottlingPeriod as a suffix",
    expected: "RetryLater",
    headers: ["retry-after"],
    from: (f) => f.code === "RateLimited"
  },
  {
    code: "NotConnected",
    status: 460,
    title: "Not connected. Requested device is currently not in connected state at the controller",
    description: "Response in case the mountName provided in the request is not found in the list of connected devices",
    expected: "DoNotRetry"
  },
  {
    code: "ParentNotAvailable",
    status: 461,
    title: "Not available. The topology (parent) object is currently not found in the cache.",
    description:
      "Response in case the (parent) topology object provided in the request (body or path) is not found in the cache.",
    expected: "DoNotRetry"
  },
  {
    code: "ResourceNotExisting",
    status: 470,
    title: "Resource not existing. Device informs about addressed resource unknown",
    description: "Response in case the resource specified in the request does not exist within the connected device",
    expected: "DoNotRetry"
  },
  {
    code: "ChildNotExisting",
    status: 471,
    title: "(Child) topology object not existing. Cache informs about addressed resource unknown.",
    description:
      "Response in case the (child) topology object specified in the request (body or path) does not exist within the cache.",
    expected: "DoNotRetry"
  },
  {
    code: "BadGateway",
    status: 502,
    title: "Bad Gateway",
    description:
      "Response in case the server is acting as a gateway or proxy and received an invalid response from the upstream server (device or application providing a consumed service)",
    expected: "TryAlternative",
    from: (f) =>
      (f.code === "SchemaViolation" || f.code === "ContentTooLarge") && isInbound(f) || f.code === "BadStatus"
  },
  {
    code: "DataInvalid",
    status: 530,
    title: "Data invalid. Response data not available, incomplete or corrupted",
    description:
      "Response in case the referenced resource exists (e.g. device connected and resource exists in internal datatree), but response data is either not available, lost during transmission, incomplete or corrupted",
    expected: "RetryLater",
    from: (f) => f.code === "NotWellFormed" && isInbound(f)
  },
  {
    code: "UpstreamAuthenticationFailed",
    status: 531,
    title: "Bad Gateway. Authentication at upstream server failed.",
    description:
      "Response in case the server is acting as a gateway or proxy and was unable to authenticate at the upstream server (device or application providing a consumed service)",
    expected: "CallOperator",
    from: (f) =>
      (f.code === "Unauthenticated" || f.code === "Forbidden") && isUpstream(f) ||
      f.code === "RemoteFault" && ((f as Fault.RemoteFault).remoteStatus === 401 ||
          (f as Fault.RemoteFault).remoteStatus === 403)
  },
  {
    code: "UpstreamNotResponding",
    status: 532,
    title: "Bad Gateway. Upstream server not responding.",
    description:
      "Response in case the server is acting as a gateway or proxy and was unable to connect to the upstream server (device or application providing a consumed service)",
    expected: "RetryLater",
    from: (f) => f.category === "transport"
  },
  {
    code: "ResourceUnknown",
    status: 533,
    title: "Resource unknown. The resource for the connected device does not exist at the Controller.",
    description: "Response in case the referenced resource for an connected device does not exist at the controller.",
    expected: "DoNotRetry"
  },
  {
    code: "RequestorNotFound",
    status: 550,
    title: "Requestor information for callback execution not found.",
    description:
      "Response in case that the application wants to call a service specified by the requestor (e.g., to return data after a long taking  data retrieval) during a service call to the application and the service information cannot be found.",
    expected: "DoNotRetry"
  }
])
