/**
 * TLS failures as typed faults. An `https.Agent` (or undici `connect` options) that trusts the CA
 * and presents the client certificate you give it, checks pins during the handshake, and keeps the
 * certificate the server presented on the error of a failed handshake, so that:
 *
 * - an expired (or not yet valid) server certificate is `CertificateExpired` with its `notAfter`;
 * - a pinned host presenting another certificate is `FingerprintMismatch` (expected vs presented);
 * - every other handshake failure (self-signed, unknown CA, host-name mismatch, our client
 *   certificate refused) is `TlsRejected` through `Network.classify` — each with Node's own code
 *   (`CERT_HAS_EXPIRED`, `ERR_TLS_CERT_ALTNAME_INVALID`, `ERR_SSL_TLSV1_ALERT_UNKNOWN_CA`…) as its
 *   `reason`, and the original error as its local `cause`.
 *
 * @since 0.1.0
 */
import { Effect, type Scope } from "effect"
import { HttpClient } from "effect/http"
import * as crypto from "node:crypto"
import * as http from "node:http"
import * as https from "node:https"
import * as net from "node:net"
import * as tls from "node:tls"
import * as Fault from "../Fault.ts"
import * as Client from "../http/Client.ts"
import * as Network from "../Network.ts"
import * as Pinning from "./Pinning.ts"

/**
 * What we keep of a certificate: enough to explain a failure, nothing secret.
 *
 * @example
 * ```ts
 * import { Tls } from "effect-faults/secure"
 *
 * declare const pem: string
 * const summary: Tls.Certificate = Tls.describe(pem)
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Certificate {
  readonly subject: string
  readonly issuer: string
  /** ISO 8601. */
  readonly notBefore: string
  /** ISO 8601. */
  readonly notAfter: string
  /** SHA-256, Node's `AB:CD:…` form. */
  readonly fingerprint256: string
}

const iso = (date: string): string => {
  const d = new Date(date)
  return Number.isNaN(d.getTime()) ? date : d.toISOString()
}

const dn = (u: unknown): string => {
  if (typeof u === "string") return u.replace(/\n/g, ", ")
  if (typeof u === "object" && u !== null) {
    return Object.entries(u as Record<string, unknown>).map(([k, v]) => `${k}=${String(v)}`).join(", ")
  }
  return ""
}

/**
 * Summarises a certificate: a PEM/DER, an `X509Certificate`, or the `PeerCertificate` of a socket.
 *
 * @example
 * ```ts
 * import { Tls } from "effect-faults/secure"
 *
 * declare const pem: string
 * console.log(Tls.describe(pem).notAfter) // "2027-01-01T00:00:00.000Z"
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const describe = (cert: string | Uint8Array | crypto.X509Certificate | tls.PeerCertificate): Certificate => {
  if (typeof cert === "string" || cert instanceof Uint8Array) return describe(new crypto.X509Certificate(cert))
  if (cert instanceof crypto.X509Certificate) {
    return {
      subject: dn(cert.subject),
      issuer: dn(cert.issuer),
      notBefore: iso(cert.validFrom),
      notAfter: iso(cert.validTo),
      fingerprint256: cert.fingerprint256
    }
  }
  return {
    subject: dn(cert.subject),
    issuer: dn(cert.issuer),
    notBefore: iso(cert.valid_from),
    notAfter: iso(cert.valid_to),
    fingerprint256: cert.fingerprint256
  }
}

/**
 * Checks a certificate's validity period at a given time: `CertificateExpired` (with `notAfter`, and
 * the reason Node would give) when it is past `notAfter` or before `notBefore`.
 *
 * @example
 * ```ts
 * import { Tls } from "effect-faults/secure"
 *
 * declare const pem: string
 * const fault = Tls.checkValidity(Tls.describe(pem), { now: new Date(), host: "vtn.example" })
 * ```
 *
 * @category validation
 * @since 0.1.0
 */
export const checkValidity = (
  cert: Certificate,
  options: { readonly now: Date; readonly host?: string | undefined }
): Fault.CertificateExpired | undefined => {
  const now = options.now.getTime()
  const expired = now > new Date(cert.notAfter).getTime()
  const early = now < new Date(cert.notBefore).getTime()
  if (!expired && !early) return undefined
  return new Fault.CertificateExpired({
    host: options.host,
    notAfter: cert.notAfter,
    subject: cert.subject,
    reason: expired ? "CERT_HAS_EXPIRED" : "CERT_NOT_YET_VALID",
    presentedBy: "server",
    ...(early
      ? { message: `certificate of ${options.host ?? "the other party"} is not valid before ${cert.notBefore}` }
      : {})
  })
}

const PeerId = Symbol.for("effect-faults/secure/Tls/PeerCertificate")

/**
 * The certificate the peer presented in a failed handshake, when the connection was made by
 * {@link agent} (or {@link connect}).
 *
 * @example
 * ```ts
 * import { Tls } from "effect-faults/secure"
 *
 * declare const error: unknown
 * const presented = Tls.presented(error)
 * ```
 *
 * @category getters
 * @since 0.1.0
 */
export const presented = (error: unknown): Certificate | undefined =>
  typeof error === "object" && error !== null ? (error as Record<symbol, Certificate | undefined>)[PeerId] : undefined

/**
 * The TLS part of `tls.connect` options: where to connect (host, port, socket) is the client's own.
 *
 * @example
 * ```ts
 * import { Tls } from "effect-faults/secure"
 *
 * const extra: Tls.ConnectOptions = { minVersion: "TLSv1.3" }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type ConnectOptions = Omit<tls.ConnectionOptions, "host" | "port" | "path" | "socket" | "timeout">

/**
 * What a secure client trusts, presents and pins.
 *
 * @example
 * ```ts
 * import { Tls } from "effect-faults/secure"
 *
 * declare const caPem: string, venCert: string, venKey: string
 * const options: Tls.Options = { ca: caPem, cert: venCert, key: venKey, pins: { "vtn.example": ["AB:CD:…"] } }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Options {
  /** The CAs to trust (PEM); Node's defaults when absent. */
  readonly ca?: string | ReadonlyArray<string> | undefined
  /** Our client certificate and key (mutual TLS). */
  readonly cert?: string | undefined
  readonly key?: string | undefined
  /** Fingerprints on record per host. */
  readonly pins?: Pinning.Pins | undefined
  readonly servername?: string | undefined
  /** Extra `tls.connect` options (ciphers, minVersion…); `rejectUnauthorized` cannot be switched off here. */
  readonly tls?: Omit<ConnectOptions, "rejectUnauthorized" | "checkServerIdentity"> | undefined
}

/**
 * The `tls.connect` options for {@link Options}: usable as undici's `connect` option
 * (`NodeHttpClient.layerUndiciOptions({ connect })`) or `NodeHttpClient.layerNodeHttpOptions`.
 *
 * @example
 * ```ts
 * import { Tls } from "effect-faults/secure"
 *
 * declare const caPem: string
 * const connect = Tls.connectionOptions({ ca: caPem, pins: { "vtn.example": ["AB:CD:…"] } })
 * ```
 *
 * @category tls
 * @since 0.1.0
 */
export const connectionOptions = (options: Options): ConnectOptions => ({
  ...options.tls,
  ...(options.ca === undefined ? {} : { ca: typeof options.ca === "string" ? options.ca : [...options.ca] }),
  ...(options.cert === undefined ? {} : { cert: options.cert }),
  ...(options.key === undefined ? {} : { key: options.key }),
  ...(options.servername === undefined ? {} : { servername: options.servername }),
  rejectUnauthorized: true,
  checkServerIdentity: Pinning.checkServerIdentity(options.pins ?? {})
})

// Node verifies the chain in its own 'secure' listener and destroys the socket on failure, after
// which the certificate is gone; a listener prepended to that event sees it first. It is kept on the
// error of the failed handshake, so the fault can say which certificate expired and when.
const capture = (socket: tls.TLSSocket): tls.TLSSocket => {
  let peer: Certificate | undefined
  socket.prependOnceListener("secure" as any, () => {
    try {
      const cert = socket.getPeerCertificate()
      if (cert !== null && typeof cert === "object" && typeof cert.valid_to === "string") peer = describe(cert)
    } catch {
      peer = undefined
    }
  })
  socket.prependListener("error", (error: unknown) => {
    if (peer !== undefined && typeof error === "object" && error !== null && !(PeerId in error)) {
      Object.defineProperty(error, PeerId, { value: peer, enumerable: false, configurable: true })
    }
  })
  return socket
}

/**
 * `tls.connect` with {@link Options}, keeping the presented certificate on a handshake error.
 *
 * @example
 * ```ts
 * import { Tls } from "effect-faults/secure"
 *
 * declare const caPem: string
 * const socket = Tls.connect({ host: "127.0.0.1", port: 8443 }, { ca: caPem })
 * ```
 *
 * @category tls
 * @since 0.1.0
 */
export const connect = (target: tls.ConnectionOptions, options: Options): tls.TLSSocket =>
  capture(tls.connect({ ...target, ...connectionOptions(options) }))

/**
 * An `https.Agent` for {@link Options}: trusts the CA, presents the client certificate, checks pins
 * in the handshake, keeps the presented certificate on handshake errors. Give it to Effect's Node
 * client (`NodeHttpClient.HttpAgent`) or to `https.request`. Destroy it when done.
 *
 * @example
 * ```ts
 * import { Tls } from "effect-faults/secure"
 *
 * declare const caPem: string
 * const agent = Tls.agent({ ca: caPem, pins: { "vtn.example": ["AB:CD:…"] } })
 * ```
 *
 * @category tls
 * @since 0.1.0
 */
export const agent = (options: Options & { readonly agent?: https.AgentOptions | undefined }): https.Agent => {
  const result = new https.Agent({ ...options.agent, ...connectionOptions(options) })
  const create = (result as any).createConnection as (...args: Array<unknown>) => tls.TLSSocket
  ;(result as any).createConnection = function(this: unknown, ...args: Array<unknown>) {
    return capture(create.apply(this, args))
  }
  return result
}

/**
 * The pair of agents Effect's Node client takes (`NodeHttpClient.HttpAgent`): a plain `http.Agent`
 * and the secure {@link agent}, both destroyed when the scope closes.
 *
 * @example
 * ```ts
 * import { NodeHttpClient } from "@effect/platform-node"
 * import { Layer } from "effect"
 * import { Tls } from "effect-faults/secure"
 *
 * declare const caPem: string
 * const SecureHttp = NodeHttpClient.layerNodeHttpNoAgent.pipe(
 *   Layer.provide(Layer.effect(NodeHttpClient.HttpAgent, Tls.agents({ ca: caPem, pins: { "vtn.example": ["AB:CD:…"] } })))
 * )
 * ```
 *
 * @category tls
 * @since 0.1.0
 */
export const agents = (
  options: Options & { readonly agent?: https.AgentOptions | undefined }
): Effect.Effect<{ readonly http: http.Agent; readonly https: https.Agent }, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => ({ http: new http.Agent(options.agent), https: agent(options) })),
    (pair) =>
      Effect.sync(() => {
        pair.http.destroy()
        pair.https.destroy()
      })
  )

/**
 * Connects without trusting anything, reads the certificate the server presents, and closes without
 * writing an application byte: the diagnosis of a handshake that failed on a client that did not
 * keep the certificate (fetch, undici).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Tls } from "effect-faults/secure"
 *
 * const cert = Tls.inspect({ host: "127.0.0.1", port: 8443, servername: "localhost" })
 * ```
 *
 * @category tls
 * @since 0.1.0
 */
export const inspect = (
  target: { readonly host: string; readonly port: number; readonly servername?: string | undefined }
): Effect.Effect<Certificate, Fault.Fault> =>
  Effect.callback<Certificate, Fault.Fault>((resume) => {
    const socket = tls.connect({
      host: target.host,
      port: target.port,
      rejectUnauthorized: false, // only to read the certificate: nothing is sent, the socket is closed
      ...(target.servername === undefined || net.isIP(target.servername) !== 0 ? {} : { servername: target.servername })
    })
    socket.once("secureConnect", () => {
      const cert = socket.getPeerCertificate()
      socket.destroy()
      resume(
        cert !== null && typeof cert === "object" && typeof cert.valid_to === "string"
          ? Effect.succeed(describe(cert))
          : Effect.fail(new Fault.TlsRejected({ host: `${target.host}:${target.port}`, reason: "no peer certificate" }))
      )
    })
    socket.once("error", (error) =>
      resume(Effect.fail(Network.classifyOrInternal(error, { host: `${target.host}:${target.port}` }))))
    return Effect.sync(() =>
      socket.destroy()
    )
  })

const MAX_DEPTH = 8

// Looks through wrappers (HttpClientError.reason.cause, fetch's TypeError.cause) for a value.
const findIn = <A>(error: unknown, pick: (u: object) => A | undefined): A | undefined => {
  let level: Array<unknown> = [error]
  const seen = new Set<object>()
  for (let depth = 0; depth <= MAX_DEPTH && level.length > 0; depth++) {
    const next: Array<unknown> = []
    for (const u of level) {
      if (typeof u !== "object" || u === null || seen.has(u)) continue
      seen.add(u)
      const found = pick(u)
      if (found !== undefined) return found
      const o = u as Record<string, unknown>
      try {
        if ("reason" in o && typeof o.reason === "object") next.push(o.reason)
        if ("cause" in o) next.push(o.cause)
      } catch {
        // a hostile getter is no reason to crash a classification
      }
    }
    level = next
  }
  return undefined
}

/**
 * Classifies a failed call's error: a pin mismatch → `FingerprintMismatch`; an expired or not yet
 * valid certificate → `CertificateExpired` with the presented certificate's `notAfter` and subject
 * (when the connection kept it); everything else → `Network.classify` (`TlsRejected` for every
 * other X.509 and handshake code), or `undefined` when the error is not a network error.
 *
 * @example
 * ```ts
 * import { Tls } from "effect-faults/secure"
 *
 * declare const error: unknown
 * const fault = Tls.classify(error, { host: "vtn.example:443" })
 * ```
 *
 * @category classification
 * @since 0.1.0
 */
export const classify = (error: unknown, context?: Network.Context): Fault.Fault | undefined => {
  if (Fault.isFault(error)) return error
  const pin = findIn(error, (u) => Pinning.isPinMismatch(u) ? u : undefined)
  if (pin !== undefined) return Pinning.toFault(pin, error)
  const cert = findIn(error, (u) => presented(u))
  return Network.classify(
    error,
    cert === undefined ? context : { ...context, notAfter: cert.notAfter, subject: cert.subject }
  )
}

const urlTarget = (url: string): { host: string; port: number; servername: string } | undefined => {
  try {
    const u = new URL(url)
    if (u.protocol !== "https:") return undefined
    const host = u.hostname.replace(/^\[|\]$/g, "")
    return { host, port: u.port === "" ? 443 : Number(u.port), servername: host }
  } catch {
    return undefined
  }
}

/**
 * Makes an `HttpClient` fail with a security or transport fault instead of its transport error:
 * what {@link classify} recognises is replaced; every other error (status, decoding) passes through
 * to whatever handles it next (the HTTP interpreter's client). When a client that does not keep the
 * certificate (fetch, undici) meets an expired one, the certificate is read with {@link inspect}.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { HttpClient } from "effect/http"
 * import { Tls } from "effect-faults/secure"
 *
 * const client = Effect.map(HttpClient.HttpClient, Tls.withFaults)
 * ```
 *
 * @category http
 * @since 0.1.0
 */
export const withFaults = <E, R>(
  client: HttpClient.HttpClient.With<E, R>
): HttpClient.HttpClient.With<E | Fault.Fault, R> =>
  HttpClient.transformResponse(
    client,
    (effect) =>
      Effect.catch(effect, (error): Effect.Effect<never, E | Fault.Fault> => {
        const request = (error as { readonly request?: { readonly url?: string } }).request
        const target = request?.url === undefined ? undefined : urlTarget(request.url)
        const fault = classify(error, target === undefined ? undefined : { host: `${target.host}:${target.port}` })
        if (fault === undefined) return Effect.fail(error)
        if (
          fault._tag === "CertificateExpired" && (fault as Fault.CertificateExpired).notAfter === "unknown" && target
        ) {
          return inspect(target).pipe(
            Effect.matchEffect({
              onFailure: () => Effect.fail(fault),
              onSuccess: (cert) =>
                Effect.fail(
                  Network.classifyOrInternal(error, {
                    host: `${target.host}:${target.port}`,
                    notAfter: cert.notAfter,
                    subject: cert.subject
                  })
                )
            })
          )
        }
        return Effect.fail(fault)
      })
  )

/**
 * The HTTP interpreter's fault client (`Client.fromClient`) over the current `HttpClient` with
 * {@link withFaults} underneath: every failure is a fault, and the security ones
 * (`FingerprintMismatch`, `CertificateExpired` with its `notAfter`) are told apart from the other
 * transport faults.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Tls } from "effect-faults/secure"
 *
 * const poll = Effect.flatMap(Tls.client({ timeout: "5 seconds" }), (client) => client.get("https://vtn.example/poll"))
 * ```
 *
 * @category http
 * @since 0.1.0
 */
export const client = (options?: Client.Options): Effect.Effect<Client.FaultClient, never, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const base = yield* HttpClient.HttpClient
    // fromClient classifies what the base fails with; the faults withFaults already made pass through it
    return Client.fromClient(withFaults(base) as unknown as HttpClient.HttpClient, options)
  })
