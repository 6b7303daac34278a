/**
 * HTTP Message Signatures (RFC 9421) for requests and responses, with `Content-Digest` (RFC 9530)
 * to cover the body — the subset a client and a server of an API need, on `node:crypto`.
 *
 * Why not the `http-message-signatures` package (1.0.6, evaluated; the tests check interoperability
 * with it both ways and against the RFC's own test vectors): its signing is correct, but its
 * verification cannot say *why* a message fails. It throws untyped `Error`s ("No header … found"),
 * answers `null` both for "no signature" and "key not on record", cannot say which required
 * components are not covered, accepts a message when any one of several signatures verifies (an
 * earlier failure is swallowed), reads the wall clock (`Date.now()`) for `created`/`expires` so it
 * cannot run on Effect's `Clock`, and has no `Content-Digest`. Each of those is a distinct fault
 * here: `SignatureMissing` (none, or `missing` components), `SignatureInvalid` (does not verify,
 * expired, tampered body), `FingerprintMismatch` (key id not on record).
 *
 * Supported components: `@method`, `@target-uri`, `@authority`, `@scheme`, `@request-target`,
 * `@path`, `@query`, `@query-param;name=…`, `@status`, any header field, and the `req` parameter
 * (a response's signature covering parts of its request). Not supported: `sf`, `key`, `bs`, `tr`.
 *
 * @since 0.1.0
 */
import { Clock, Effect, Option } from "effect"
import { HttpClientRequest, HttpServerRequest } from "effect/http"
import * as crypto from "node:crypto"
import * as Fault from "../Fault.ts"
import * as sf from "./internal/structuredFields.ts"
import * as Signature from "./Signature.ts"

/**
 * A request or response as a signature sees it. Requests have `method` and an absolute `url`;
 * responses have `status`. Header names are matched case-insensitively.
 *
 * @example
 * ```ts
 * import { MessageSignatures } from "effect-faults/secure"
 *
 * const req: MessageSignatures.Message = { method: "POST", url: "https://vtn.example/EiEvent", headers: { "content-type": "application/xml" } }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Message {
  readonly method?: string | undefined
  readonly url?: string | undefined
  readonly status?: number | undefined
  readonly headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>
}

/**
 * How to sign.
 *
 * @example
 * ```ts
 * import { MessageSignatures, Signature } from "effect-faults/secure"
 *
 * const options: MessageSignatures.SignOptions = {
 *   key: Signature.hmacSha256("ven-1", "a shared secret of 32 bytes or more"),
 *   components: ["@method", "@target-uri", "content-digest"]
 * }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface SignOptions {
  readonly key: Signature.SigningKey
  /** Component identifiers: `@method`, `content-type`, `"@method";req`, `@query-param;name="id"`. */
  readonly components: ReadonlyArray<string>
  /** The signature's label; `sig` by default. */
  readonly label?: string | undefined
  /** Seconds since the epoch; the `Clock` by default. */
  readonly created?: number | undefined
  /** Lifetime in seconds from `created`; none by default. */
  readonly expiresIn?: number | undefined
  readonly nonce?: string | undefined
  readonly tag?: string | undefined
  /** Whether to state `alg`; on by default (a verifier then rejects a key of another algorithm). */
  readonly includeAlg?: boolean | undefined
  /** The request a response's `;req` components refer to. */
  readonly request?: Message | undefined
}

/**
 * How to verify.
 *
 * @example
 * ```ts
 * import { MessageSignatures } from "effect-faults/secure"
 *
 * const options: MessageSignatures.VerifyOptions = { required: ["@status", "content-digest"], maxAgeSeconds: 300 }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface VerifyOptions {
  /** Components the signature must cover; a signature that does not is `SignatureMissing{missing}`. */
  readonly required?: ReadonlyArray<string> | undefined
  /** The label to verify; the first signature by default. */
  readonly label?: string | undefined
  /** The request a response's `;req` components refer to. */
  readonly request?: Message | undefined
  /** Reject signatures whose `created` is older than this. */
  readonly maxAgeSeconds?: number | undefined
  /** Clock skew tolerated on `created` in the future and on `expires`; 60 s by default. */
  readonly skewSeconds?: number | undefined
  /** The party the message claims to come from: its key must be on record for it. */
  readonly party?: string | undefined
  /** Who presented it; `client` for a request (it has a method), `server` for a response. */
  readonly presentedBy?: Fault.Side | undefined
  /** The body received; when given and `content-digest` is covered, the digest must match it. */
  readonly body?: string | Uint8Array | undefined
}

/**
 * What a successful verification established.
 *
 * @example
 * ```ts
 * import { MessageSignatures } from "effect-faults/secure"
 *
 * const who = (v: MessageSignatures.Verified) => `${v.keyId} (${v.algorithm}) covered ${v.components.join(" ")}`
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Verified {
  readonly label: string
  readonly keyId: string
  readonly algorithm: Signature.Algorithm
  readonly components: ReadonlyArray<string>
  readonly created: number | undefined
}

// -----------------------------------------------------------------------------
// Content-Digest (RFC 9530)
// -----------------------------------------------------------------------------

/**
 * The `Content-Digest` field value of a body: `sha-256=:<base64>:`.
 *
 * @example
 * ```ts
 * import { MessageSignatures } from "effect-faults/secure"
 *
 * console.log(MessageSignatures.contentDigest("{\"hello\": \"world\"}\n")) // "sha-256=:RK/0qy18MlBSVnWgjwz6lZEWjP/lF5HF9bvEF8FabDg=:"
 * ```
 *
 * @category content digest
 * @since 0.1.0
 */
export const contentDigest = (body: string | Uint8Array): string =>
  `sha-256=:${crypto.createHash("sha256").update(body).digest("base64")}:`

/**
 * Whether a `Content-Digest` value matches a body (sha-256 or sha-512; other algorithms do not count).
 *
 * @example
 * ```ts
 * import { MessageSignatures } from "effect-faults/secure"
 *
 * console.log(MessageSignatures.digestMatches(MessageSignatures.contentDigest("x"), "x")) // true
 * ```
 *
 * @category content digest
 * @since 0.1.0
 */
export const digestMatches = (value: string, body: string | Uint8Array): boolean => {
  const dict = sf.parseDictionary(value)
  if (dict === undefined) return false
  let checked = false
  for (const [alg, member] of dict) {
    const hash = alg === "sha-256" ? "sha256" : alg === "sha-512" ? "sha512" : undefined
    if (hash === undefined) continue
    if (sf.isInnerList(member) || !(member.value instanceof Uint8Array)) return false
    const expected = crypto.createHash(hash).update(body).digest()
    if (expected.byteLength !== member.value.byteLength || !crypto.timingSafeEqual(expected, member.value)) return false
    checked = true
  }
  return checked
}

// -----------------------------------------------------------------------------
// Signature base
// -----------------------------------------------------------------------------

const parseComponent = (id: string): sf.Item | undefined => {
  const trimmed = id.trim()
  const quoted = trimmed.startsWith("\"")
    ? trimmed
    : `"${trimmed.replace(/;.*$/, "")}"${trimmed.includes(";") ? trimmed.slice(trimmed.indexOf(";")) : ""}`
  const dict = sf.parseDictionary(`c=${quoted}`)
  const member = dict?.get("c")
  return member === undefined || sf.isInnerList(member) || typeof member.value !== "string" ? undefined : member
}

/**
 * The canonical form of a component identifier (`"@method";req`), as compared against `required`.
 *
 * @example
 * ```ts
 * import { MessageSignatures } from "effect-faults/secure"
 *
 * console.log(MessageSignatures.canonicalComponent("Content-Type")) // "\"content-type\""
 * ```
 *
 * @category signature base
 * @since 0.1.0
 */
export const canonicalComponent = (id: string): string => {
  const item = parseComponent(id)
  return item === undefined
    ? id
    : sf.serializeItem({ value: (item.value as string).toLowerCase(), params: item.params })
}

const headerOf = (message: Message, name: string): string | undefined => {
  let value: string | ReadonlyArray<string> | undefined = message.headers[name]
  if (value === undefined) {
    for (const key of Object.keys(message.headers)) {
      if (key.toLowerCase() === name) {
        value = message.headers[key]
        break
      }
    }
  }
  if (value === undefined) return undefined
  const values: ReadonlyArray<string> = typeof value === "string" ? [value] : value
  return values.map((v) => v.trim().replace(/\r?\n[ \t]*/g, " ")).join(", ")
}

// One URL parse per message, however many URL components the signature covers.
const urls = new WeakMap<Message, URL | null>()
const urlOf = (message: Message): URL | undefined => {
  if (message.url === undefined) return undefined
  let url = urls.get(message)
  if (url === undefined) {
    try {
      url = new URL(message.url)
    } catch {
      url = null
    }
    urls.set(message, url)
  }
  return url ?? undefined
}

const supportedParams = new Set(["req", "name"])

// The value of one covered component, or undefined when the message does not have it.
const componentValue = (item: sf.Item, message: Message, request: Message | undefined): string | undefined => {
  if (item.params.some(([k]) => !supportedParams.has(k))) return undefined
  const name = (item.value as string).toLowerCase()
  const bound = item.params.some(([k]) => k === "req")
  const context = bound ? request : message
  if (context === undefined) return undefined
  if (!name.startsWith("@")) return headerOf(context, name)
  if (name === "@status") return context.status === undefined || bound ? undefined : String(context.status)
  if (name === "@method") return context.method?.toUpperCase()
  const url = urlOf(context)
  if (url === undefined) return undefined
  switch (name) {
    case "@target-uri":
      return context.url
    case "@authority":
      return url.host.toLowerCase()
    case "@scheme":
      return url.protocol.slice(0, -1).toLowerCase()
    case "@request-target":
      return url.pathname + url.search
    case "@path":
      return url.pathname === "" ? "/" : url.pathname
    case "@query":
      return url.search === "" ? "?" : url.search
    case "@query-param": {
      const param = item.params.find(([k]) => k === "name")?.[1]
      if (typeof param !== "string") return undefined
      // the name comes from the (untrusted) Signature-Input: a bad escape ("%") must not throw
      let decoded: string
      try {
        decoded = decodeURIComponent(param)
      } catch {
        return undefined
      }
      const values = url.searchParams.getAll(decoded)
      return values.length === 1 ? encodeURIComponent(values[0]!) : undefined
    }
    default:
      return undefined
  }
}

type Base = { readonly base: string } | { readonly absent: string }

const signatureBase = (
  items: ReadonlyArray<sf.Item>,
  params: sf.Params,
  message: Message,
  request: Message | undefined
): Base => {
  const lines: Array<string> = []
  for (const item of items) {
    const value = componentValue(item, message, request)
    if (value === undefined) return { absent: sf.serializeItem(item) }
    lines.push(`${sf.serializeItem(item)}: ${value}`)
  }
  lines.push(`"@signature-params": ${sf.serializeInnerList({ items, params })}`)
  return { base: lines.join("\n") }
}

/**
 * The signature base (RFC 9421 §2.5) of a message for the given covered components and signature
 * parameters, or the first component the message does not have. Exposed for interoperability tests
 * and debugging.
 *
 * @example
 * ```ts
 * import { MessageSignatures } from "effect-faults/secure"
 *
 * const base = MessageSignatures.base({ method: "GET", url: "https://a.example/x", headers: {} }, ["@method", "@path"], { created: 1 })
 * ```
 *
 * @category signature base
 * @since 0.1.0
 */
export const base = (
  message: Message,
  components: ReadonlyArray<string>,
  params: {
    readonly created?: number
    readonly expires?: number
    readonly keyid?: string
    readonly alg?: string
    readonly nonce?: string
    readonly tag?: string
  },
  request?: Message
): Base => {
  const items = components.map(parseComponent)
  const bad = components.find((_, i) => items[i] === undefined)
  if (bad !== undefined) return { absent: bad }
  const ordered: Array<readonly [string, sf.BareItem]> = []
  for (const key of ["created", "expires", "keyid", "alg", "nonce", "tag"] as const) {
    const v = params[key]
    if (v !== undefined) ordered.push([key, v])
  }
  return signatureBase(items as Array<sf.Item>, ordered, message, request)
}

// -----------------------------------------------------------------------------
// Signing
// -----------------------------------------------------------------------------

/**
 * The headers that sign a message: `signature-input` and `signature` (merge them into the message's
 * headers; add `content-digest` first when the body is to be covered). Fails with an
 * `InvalidFieldValue` when a component to sign is absent from the message.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { MessageSignatures, Signature } from "effect-faults/secure"
 *
 * const key = Signature.hmacSha256("ven-1", "a shared secret of 32 bytes or more")
 * const headers = MessageSignatures.sign(
 *   { method: "GET", url: "https://vtn.example/poll", headers: {} },
 *   { key, components: ["@method", "@target-uri"] }
 * )
 * ```
 *
 * @category signing
 * @since 0.1.0
 */
export const sign = (
  message: Message,
  options: SignOptions
): Effect.Effect<{ readonly "signature-input": string; readonly signature: string }, Fault.InvalidFieldValue> =>
  Effect.flatMap(
    options.created === undefined ? Clock.currentTimeMillis : Effect.succeed(options.created * 1000),
    (millis) => {
      const created = Math.floor(millis / 1000)
      const label = options.label ?? "sig"
      const result = base(message, options.components, {
        created,
        ...(options.expiresIn === undefined ? {} : { expires: created + options.expiresIn }),
        keyid: options.key.id,
        ...(options.includeAlg === false ? {} : { alg: options.key.algorithm }),
        ...(options.nonce === undefined ? {} : { nonce: options.nonce }),
        ...(options.tag === undefined ? {} : { tag: options.tag })
      }, options.request)
      if ("absent" in result) {
        return Effect.fail(
          new Fault.InvalidFieldValue({
            field: "components",
            expectedValue: "a component the message has",
            receivedValue: result.absent
          })
        )
      }
      const paramsLine = result.base.slice(result.base.lastIndexOf("\n") + 1).slice("\"@signature-params\": ".length)
      const signature = Signature.sign(options.key, result.base)
      return Effect.succeed({
        "signature-input": `${label}=${paramsLine}`,
        signature: `${label}=:${Buffer.from(signature).toString("base64")}:`
      })
    }
  )

// -----------------------------------------------------------------------------
// Verifying
// -----------------------------------------------------------------------------

const str = (v: sf.BareItem | undefined): string | undefined => typeof v === "string" ? v : undefined
const int = (v: sf.BareItem | undefined): number | undefined => typeof v === "number" ? v : undefined

/**
 * Verifies a message's signature with the keys on record (the `Verifier` service). The failure says
 * why: no signature or one that does not cover `required` (`SignatureMissing`), one that does not
 * verify, has expired, covers a component the message lacks, or a body that does not match its
 * digest (`SignatureInvalid`), or a key id not on record (`FingerprintMismatch`). Never a defect.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { MessageSignatures, Signature } from "effect-faults/secure"
 *
 * const key = Signature.hmacSha256("vtn-1", "a shared secret of 32 bytes or more")
 * const response = { status: 200, headers: { "content-type": "application/xml" } }
 * const check = MessageSignatures.verify(response, { required: ["@status"] }).pipe(Effect.provide(Signature.layer([key])))
 * ```
 *
 * @category verifying
 * @since 0.1.0
 */
export const verify = (
  message: Message,
  options: VerifyOptions = {}
): Effect.Effect<Verified, Signature.VerificationFault, Signature.Verifier> =>
  Effect.gen(function*() {
    const presentedBy = options.presentedBy ?? (message.method === undefined ? "server" : "client")
    const invalid = (text: string, keyId?: string, algorithm?: string) =>
      new Fault.SignatureInvalid({ keyId, algorithm, presentedBy, message: text })
    const inputField = headerOf(message, "signature-input")
    const signatureField = headerOf(message, "signature")
    if (inputField === undefined && signatureField === undefined) {
      return yield* new Fault.SignatureMissing({ missing: [], presentedBy })
    }
    if (inputField === undefined || signatureField === undefined) {
      return yield* new Fault.SignatureMissing({
        missing: [inputField === undefined ? "signature-input" : "signature"],
        presentedBy,
        message: `signature incomplete: the ${
          inputField === undefined ? "Signature-Input" : "Signature"
        } field is missing`
      })
    }
    const inputs = sf.parseDictionary(inputField)
    const signatures = sf.parseDictionary(signatureField)
    if (inputs === undefined || signatures === undefined) {
      return yield* invalid(`malformed ${inputs === undefined ? "Signature-Input" : "Signature"} field`)
    }
    const label = options.label ?? Array.from(inputs.keys()).find((k) => signatures.has(k))
    const input = label === undefined ? undefined : inputs.get(label)
    const sig = label === undefined ? undefined : signatures.get(label)
    if (label === undefined || input === undefined || sig === undefined) {
      return yield* new Fault.SignatureMissing({
        missing: [],
        presentedBy,
        message: options.label === undefined
          ? "no signature with a matching input"
          : `no signature labelled '${options.label}'`
      })
    }
    if (!sf.isInnerList(input) || input.items.some((i) => typeof i.value !== "string")) {
      return yield* invalid(`malformed Signature-Input for '${label}'`)
    }
    if (sf.isInnerList(sig) || !(sig.value instanceof Uint8Array)) {
      return yield* invalid(`malformed Signature for '${label}'`)
    }
    const params = new Map(input.params)
    const keyId = str(params.get("keyid"))
    const alg = str(params.get("alg"))
    const covered = input.items.map(sf.serializeItem)
    const missing = (options.required ?? []).map(canonicalComponent).filter((c) => !covered.includes(c))
    if (missing.length > 0) {
      return yield* new Fault.SignatureMissing({
        missing: missing.map((c) => c.replace(/^"([^"]*)"/, "$1")),
        presentedBy
      })
    }
    const now = Math.floor((yield* Clock.currentTimeMillis) / 1000)
    const skew = options.skewSeconds ?? 60
    const created = int(params.get("created"))
    const expires = int(params.get("expires"))
    if (expires !== undefined && now > expires + skew) {
      return yield* invalid(`signature '${label}' expired at ${expires}`, keyId, alg)
    }
    if (created !== undefined && created > now + skew) {
      return yield* invalid(`signature '${label}' is created in the future`, keyId, alg)
    }
    if (
      options.maxAgeSeconds !== undefined && (created === undefined || now - created > options.maxAgeSeconds + skew)
    ) {
      return yield* invalid(`signature '${label}' is older than ${options.maxAgeSeconds}s`, keyId, alg)
    }
    const result = signatureBase(input.items, input.params, message, options.request)
    if ("absent" in result) {
      return yield* invalid(`covered component ${result.absent} is absent from the message`, keyId, alg)
    }
    const verifier = yield* Signature.Verifier
    const key = yield* verifier.verify({
      keyId,
      algorithm: alg,
      data: result.base,
      signature: sig.value,
      party: options.party,
      presentedBy
    })
    if (options.body !== undefined && covered.includes("\"content-digest\"")) {
      const digest = headerOf(message, "content-digest")
      if (digest === undefined || !digestMatches(digest, options.body)) {
        return yield* invalid("the body does not match its signed Content-Digest", key.id, key.algorithm)
      }
    }
    return { label, keyId: key.id, algorithm: key.algorithm, components: covered, created } satisfies Verified
  })

// -----------------------------------------------------------------------------
// Effect HTTP glue
// -----------------------------------------------------------------------------

const bodyBytes = (request: HttpClientRequest.HttpClientRequest): Uint8Array | undefined =>
  request.body._tag === "Uint8Array" ? request.body.body : request.body._tag === "Empty" ? new Uint8Array(0) : undefined

/**
 * Signs an outgoing `HttpClientRequest`, adding `content-digest` when it is among the components.
 * Use with `HttpClient.mapRequestEffect`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { HttpClient } from "effect/http"
 * import { MessageSignatures, Signature } from "effect-faults/secure"
 *
 * const key = Signature.ed25519Generate("ven-1").signing
 * const signing = Effect.map(HttpClient.HttpClient, HttpClient.mapRequestEffect(
 *   MessageSignatures.signRequest({ key, components: ["@method", "@target-uri", "content-digest"] })))
 * ```
 *
 * @category http
 * @since 0.1.0
 */
export const signRequest = (options: Omit<SignOptions, "request">) =>
(
  request: HttpClientRequest.HttpClientRequest
): Effect.Effect<HttpClientRequest.HttpClientRequest, Fault.InvalidFieldValue> => {
  const covered = options.components.map(canonicalComponent)
  let req = request
  if (covered.includes("\"content-digest\"")) {
    const body = bodyBytes(request)
    if (body === undefined) {
      return Effect.fail(
        new Fault.InvalidFieldValue({
          field: "body",
          expectedValue: "a body in memory to digest",
          receivedValue: request.body._tag
        })
      )
    }
    req = HttpClientRequest.setHeader(req, "content-digest", contentDigest(body))
  }
  const headers: Record<string, string> = { ...req.headers }
  if (req.body._tag === "Uint8Array") {
    headers["content-type"] ??= req.body.contentType
    headers["content-length"] ??= String(req.body.contentLength)
  }
  return Effect.map(
    sign({ method: req.method, url: req.url, headers }, options),
    (signed) => HttpClientRequest.setHeaders(req, signed)
  )
}

/**
 * The incoming request a server handles, as a {@link Message}, with its body text.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { MessageSignatures } from "effect-faults/secure"
 *
 * const handler = Effect.map(MessageSignatures.incoming, ({ message, body }) => message.method)
 * ```
 *
 * @category http
 * @since 0.1.0
 */
export const incoming: Effect.Effect<
  { readonly message: Message; readonly body: string },
  Fault.NotWellFormed,
  HttpServerRequest.HttpServerRequest
> = Effect.gen(function*() {
  const request = yield* HttpServerRequest.HttpServerRequest
  const body = yield* Effect.mapError(
    request.text,
    (cause) =>
      new Fault.NotWellFormed({ format: "http", direction: "outbound", reason: "unreadable request body", cause })
  )
  const url = Option.getOrUndefined(HttpServerRequest.toURL(request))
  return { message: { method: request.method, url: url?.href, headers: request.headers }, body }
})
