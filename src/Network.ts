/**
 * Transport faults from platform errors, whatever the wire. A failed connection reaches a program
 * wrapped several times over: Effect's `HttpClientError` (reason `TransportError`), fetch's
 * `TypeError("fetch failed")` with the real error as its `cause`, undici's own errors, Node's system
 * and DNS errors, `AggregateError`s from happy-eyeballs connects, and TLS errors carrying an OpenSSL
 * verify code. {@link classify} looks through all of them, finds the platform's `code`, and turns it
 * into the typed fault it means — `Unreachable`, `ConnectionLost`, `Timeout`, `TlsRejected` or
 * `CertificateExpired` — with the phase (nothing sent yet, or maybe delivered), Node's own code kept
 * as the fault's `reason`, and the original error kept as its local `cause`.
 *
 * The decision lives in one table ({@link codes}, plus the code families in {@link families}), so
 * every documented code is classified on purpose and a reader can check each one.
 *
 * This module knows no wire: HTTP, queue, RPC and secure-call interpreters all build on it.
 *
 * @since 0.1.0
 */
import { Cause, Predicate } from "effect"
import * as Fault from "./Fault.ts"

// -----------------------------------------------------------------------------
// Models
// -----------------------------------------------------------------------------

/**
 * Which fault a platform code becomes. Besides the five transport faults, a few codes mean the
 * response could not be parsed (`NotWellFormed`), its body was over our size limit
 * (`ContentTooLarge`, inbound), the peer answered with a status (`BadStatus`), or a programming error
 * here (`InternalError`): those are classified too, deliberately.
 *
 * @example
 * ```ts
 * import { Network } from "effect-faults"
 *
 * const kind: Network.Kind = Network.lookup("ECONNREFUSED")!.kind // "Unreachable"
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Kind =
  | "Unreachable"
  | "ConnectionLost"
  | "Timeout"
  | "TlsRejected"
  | "CertificateExpired"
  | "NotWellFormed"
  | "ContentTooLarge"
  | "BadStatus"
  | "InternalError"

/**
 * Where a code comes from: a libuv system error, a DNS resolver error, undici, Node's TLS layer, an
 * OpenSSL X.509 verify result, Node's own `ERR_*` codes, or the HTTP parser (`HPE_*`).
 *
 * @example
 * ```ts
 * import { Network } from "effect-faults"
 *
 * const source: Network.Source = Network.lookup("CERT_HAS_EXPIRED")!.source // "x509"
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Source = "system" | "dns" | "undici" | "tls" | "x509" | "node" | "http-parser"

/**
 * How one platform code is classified.
 *
 * @example
 * ```ts
 * import { Network } from "effect-faults"
 *
 * const e: Network.Entry = { kind: "Timeout", phase: "BeforeSend", budget: "connect", source: "undici", description: "connect timed out" }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Entry {
  readonly kind: Kind
  /** Whether the request may have reached the other side. */
  readonly phase: Fault.Phase
  /** For `Timeout`: which budget ran out. */
  readonly budget?: "connect" | "response" | "attempt" | "overall" | undefined
  readonly source: Source
  /** What the code means, in one line. */
  readonly description: string
  /**
   * A wrapper code (`UND_ERR_REQ_RETRY`, a bare `UND_ERR`, an abort): a more specific code found
   * further down the cause chain wins over it.
   */
  readonly generic?: boolean | undefined
}

/**
 * What the caller knows about the call, to put on the fault.
 *
 * @example
 * ```ts
 * import { Network } from "effect-faults"
 *
 * const ctx: Network.Context = { host: "vtn.example:443", operation: "GET /events", afterMs: 10_000 }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Context {
  /** The host (and port) called; otherwise read from the error (`hostname`, `address:port`). */
  readonly host?: string | undefined
  /** The operation, for `Timeout.operation`. */
  readonly operation?: string | undefined
  /** The time budget that ran out, when the platform error does not say it. */
  readonly afterMs?: number | undefined
  /** The peer certificate's `notAfter` (ISO 8601 or Node's `valid_to`), for `CertificateExpired`. */
  readonly notAfter?: string | undefined
  /** The peer certificate's subject, for `CertificateExpired`. */
  readonly subject?: string | undefined
}

// -----------------------------------------------------------------------------
// The table
// -----------------------------------------------------------------------------

const unreachable = (source: Source, description: string): Entry => ({
  kind: "Unreachable",
  phase: "BeforeSend",
  source,
  description
})
const lost = (source: Source, description: string, phase: Fault.Phase = "MaybeDelivered"): Entry => ({
  kind: "ConnectionLost",
  phase,
  source,
  description
})
const timeout = (
  source: Source,
  budget: "connect" | "response" | "attempt",
  phase: Fault.Phase,
  description: string
): Entry => ({ kind: "Timeout", phase, budget, source, description })
const tls = (source: Source, description: string): Entry => ({
  kind: "TlsRejected",
  phase: "BeforeSend",
  source,
  description
})
// an answer over our own size limit: the peer got the request and answered, too much
const tooLarge = (source: Source, description: string): Entry => ({
  kind: "ContentTooLarge",
  phase: "MaybeDelivered",
  source,
  description
})
const internalError = (source: Source, description: string): Entry => ({
  kind: "InternalError",
  phase: "BeforeSend",
  source,
  description
})

const system: Record<string, Entry> = {
  // could not connect: nothing was sent
  ECONNREFUSED: unreachable("system", "connection refused: nothing listens on that port"),
  EHOSTUNREACH: unreachable("system", "no route to the host"),
  ENETUNREACH: unreachable("system", "the network is unreachable"),
  EHOSTDOWN: unreachable("system", "the host is down"),
  ENETDOWN: unreachable("system", "the local network is down"),
  ENONET: unreachable("system", "the machine is not on the network"),
  EADDRNOTAVAIL: unreachable("system", "no local address available to connect from (ephemeral ports exhausted?)"),
  EADDRINUSE: unreachable("system", "the local address is in use"),
  EAFNOSUPPORT: unreachable("system", "address family not supported (IPv6 disabled?)"),
  EACCES: unreachable("system", "permission denied to connect (firewall, privileged port, socket file mode)"),
  EPERM: unreachable("system", "operation not permitted (firewall rule)"),
  ENOENT: unreachable("system", "no such socket file (unix socket or named pipe)"),
  ENOTSOCK: unreachable("system", "the path is not a socket"),
  EMFILE: unreachable("system", "too many open files in this process: no socket could be opened"),
  ENFILE: unreachable("system", "too many open files on the system: no socket could be opened"),
  ENOBUFS: unreachable("system", "no buffer space available for a socket"),
  EAGAIN: unreachable("system", "resource temporarily unavailable"),
  EALREADY: unreachable("system", "a connection attempt is already in progress on the socket"),
  EISCONN: unreachable("system", "the socket is already connected"),
  EPROTONOSUPPORT: unreachable("system", "protocol not supported"),
  ESOCKTNOSUPPORT: unreachable("system", "socket type not supported"),
  EPROTOTYPE: unreachable("system", "protocol wrong type for socket"),
  ENOPROTOOPT: unreachable("system", "protocol option not available"),
  EDESTADDRREQ: unreachable("system", "destination address required"),
  ENOTSUP: unreachable("system", "operation not supported on the socket"),
  ENXIO: unreachable("system", "no such device or address"),
  ENODEV: unreachable("system", "no such device"),
  // the link broke: the request may have been delivered
  ECONNRESET: lost("system", "the peer reset the connection"),
  EPIPE: lost("system", "broken pipe: wrote to a connection the peer had closed"),
  ECONNABORTED: lost("system", "the connection was aborted"),
  ENETRESET: lost("system", "the network dropped the connection on reset"),
  ENOTCONN: lost("system", "the socket is not connected"),
  ESHUTDOWN: lost("system", "cannot send after the socket was shut down"),
  EPROTO: lost("system", "protocol error on the connection"),
  EREMOTEIO: lost("system", "remote I/O error"),
  EIO: lost("system", "I/O error on the connection"),
  EOF: lost("system", "unexpected end of stream"),
  ECANCELED: lost("system", "the operation was cancelled"),
  EINTR: lost("system", "the call was interrupted"),
  EMSGSIZE: lost("system", "message too long for the transport"),
  // a time budget of the kernel ran out: connect (SYN) or read (keep-alive / user timeout)
  ETIMEDOUT: timeout(
    "system",
    "response",
    "MaybeDelivered",
    "the operation timed out (connect when syscall is connect)"
  ),
  // local programming errors surfaced by libuv: not the peer's doing
  EBADF: internalError("system", "bad file descriptor: a socket used after close"),
  EINVAL: internalError("system", "invalid argument to a socket call"),
  EFAULT: internalError("system", "bad address passed to a socket call"),
  ENOSYS: internalError("system", "function not implemented on this platform"),
  ENOMEM: internalError("system", "out of memory")
}

const dns: Record<string, Entry> = {
  // getaddrinfo (dns.lookup, what http/fetch use)
  ENOTFOUND: unreachable("dns", "the name does not resolve (NXDOMAIN, or getaddrinfo EAI_NONAME)"),
  EAI_AGAIN: unreachable("dns", "temporary DNS failure (no resolver reachable, SERVFAIL)"),
  EAI_FAIL: unreachable("dns", "non-recoverable DNS failure"),
  EAI_NONAME: unreachable("dns", "the name or service is not known"),
  EAI_NODATA: unreachable("dns", "the name has no address"),
  EAI_ADDRFAMILY: unreachable("dns", "the name has no address in the requested family"),
  EAI_FAMILY: unreachable("dns", "address family not supported by the resolver"),
  EAI_SERVICE: unreachable("dns", "service not supported for the socket type"),
  EAI_SOCKTYPE: unreachable("dns", "socket type not supported by the resolver"),
  EAI_BADFLAGS: unreachable("dns", "invalid resolver flags"),
  EAI_BADHINTS: unreachable("dns", "invalid resolver hints"),
  EAI_PROTOCOL: unreachable("dns", "resolved protocol is unknown"),
  EAI_OVERFLOW: unreachable("dns", "resolver argument buffer overflow"),
  EAI_MEMORY: unreachable("dns", "the resolver ran out of memory"),
  EAI_CANCELED: unreachable("dns", "the lookup was cancelled"),
  // c-ares (dns.resolve*, dns.Resolver); ECONNREFUSED, ENOMEM and EOF are shared with the system table
  ENODATA: unreachable("dns", "the DNS server returned an answer with no data"),
  EFORMERR: unreachable("dns", "the DNS server says the query was malformed"),
  ESERVFAIL: unreachable("dns", "the DNS server returned a general failure"),
  ENOTIMP: unreachable("dns", "the DNS server does not implement the operation"),
  EREFUSED: unreachable("dns", "the DNS server refused the query"),
  EBADQUERY: unreachable("dns", "misformatted DNS query"),
  EBADNAME: unreachable("dns", "misformatted host name"),
  EBADFAMILY: unreachable("dns", "unsupported address family"),
  EBADRESP: unreachable("dns", "misformatted DNS reply"),
  ETIMEOUT: timeout("dns", "connect", "BeforeSend", "the DNS query timed out"),
  EFILE: unreachable("dns", "could not read a resolver file (resolv.conf, hosts)"),
  EDESTRUCTION: unreachable("dns", "the resolver channel was destroyed"),
  EBADSTR: unreachable("dns", "misformatted string in the DNS answer"),
  EBADFLAGS: unreachable("dns", "illegal flags given to the resolver"),
  ENONAME: unreachable("dns", "the given host name is not numeric"),
  EBADHINTS: unreachable("dns", "illegal hints flags given to the resolver"),
  ENOTINITIALIZED: unreachable("dns", "c-ares library initialisation not yet performed"),
  ELOADIPHLPAPI: unreachable("dns", "error loading iphlpapi.dll (Windows)"),
  EADDRGETNETWORKPARAMS: unreachable("dns", "could not find GetNetworkParams (Windows)"),
  ECANCELLED: unreachable("dns", "the DNS query was cancelled")
}

const undici: Record<string, Entry> = {
  UND_ERR: { ...lost("undici", "generic undici error"), generic: true },
  UND_ERR_CONNECT_TIMEOUT: timeout("undici", "connect", "BeforeSend", "connecting timed out (connect timeout)"),
  UND_ERR_HEADERS_TIMEOUT: timeout("undici", "response", "MaybeDelivered", "no response headers within headersTimeout"),
  UND_ERR_BODY_TIMEOUT: timeout("undici", "response", "MaybeDelivered", "the body stalled longer than bodyTimeout"),
  UND_ERR_HEADERS_OVERFLOW: lost("undici", "the response headers exceeded maxHeaderSize; the socket was destroyed"),
  UND_ERR_SOCKET: lost("undici", "the socket failed or the other side closed it"),
  UND_ERR_CLOSED: lost("undici", "the client was closed"),
  UND_ERR_DESTROYED: lost("undici", "the client was destroyed"),
  UND_ERR_INFO: lost("undici", "informational: the connection was reset"),
  UND_ERR_ABORT: { ...lost("undici", "the request was aborted"), generic: true },
  UND_ERR_ABORTED: { ...lost("undici", "the request was aborted"), generic: true },
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: lost("undici", "the response body does not match its content-length"),
  UND_ERR_RES_EXCEEDED_MAX_SIZE: tooLarge("undici", "the response exceeded maxResponseSize (or decompress's maxSize)"),
  UND_ERR_REQ_RETRY: { ...lost("undici", "the retry handler gave up"), generic: true },
  UND_ERR_WS_MESSAGE_SIZE_EXCEEDED: lost("undici", "a WebSocket message exceeded the decompressed size limit"),
  UND_ERR_RESPONSE: {
    kind: "BadStatus",
    phase: "MaybeDelivered",
    source: "undici",
    description: "the response-error interceptor rejected the status"
  },
  UND_ERR_PRX_TLS: tls("undici", "TLS to the proxy failed"),
  UND_ERR_PRX_CONN: unreachable("undici", "could not connect through the proxy"),
  UND_ERR_BPL_MISSING_UPSTREAM: unreachable("undici", "the balanced pool has no upstream"),
  UND_ERR_MAX_ORIGINS_REACHED: unreachable("undici", "the agent reached its maximum number of origins"),
  UND_ERR_REDIRECT_MAX: unreachable("undici", "too many redirects: the target was never reached"),
  UND_ERR_SOCKS5: unreachable("undici", "the SOCKS5 proxy failed"),
  UND_ERR_SOCKS5_VERSION: unreachable("undici", "the SOCKS5 proxy answered with a wrong version"),
  UND_ERR_SOCKS5_AUTH_REJECTED: unreachable("undici", "the SOCKS5 proxy accepts none of our auth methods"),
  UND_ERR_SOCKS5_AUTH_METHOD: unreachable("undici", "the SOCKS5 proxy chose an unsupported auth method"),
  UND_ERR_SOCKS5_AUTH_VERSION: unreachable("undici", "the SOCKS5 auth sub-negotiation version is wrong"),
  UND_ERR_SOCKS5_AUTH_FAILED: unreachable("undici", "the SOCKS5 proxy rejected our credentials"),
  UND_ERR_SOCKS5_REPLY_VERSION: unreachable("undici", "the SOCKS5 reply has a wrong version"),
  UND_ERR_SOCKS5_ADDR_TYPE: unreachable("undici", "the SOCKS5 reply has an unknown address type"),
  // programming errors in the request we built
  UND_ERR_INVALID_ARG: internalError("undici", "invalid argument to undici"),
  UND_ERR_INVALID_RETURN_VALUE: internalError("undici", "a handler returned an invalid value"),
  UND_ERR_NOT_SUPPORTED: internalError("undici", "the feature is not supported"),
  UND_ERR_REQ_CONTENT_LENGTH_MISMATCH: internalError("undici", "our request body does not match its content-length"),
  ERR_WEBASSEMBLY_NOT_SUPPORTED: internalError("undici", "WebAssembly (the llhttp parser) is not available")
}

/** The X.509 verify codes Node reports (`X509ErrorCode` in src/crypto/crypto_common.cc, doc/api/tls.md). */
const x509: Record<string, Entry> = {
  UNABLE_TO_GET_ISSUER_CERT: tls("x509", "unable to get the issuer certificate"),
  UNABLE_TO_GET_CRL: tls("x509", "unable to get the certificate CRL"),
  UNABLE_TO_DECRYPT_CERT_SIGNATURE: tls("x509", "unable to decrypt the certificate's signature"),
  UNABLE_TO_DECRYPT_CRL_SIGNATURE: tls("x509", "unable to decrypt the CRL's signature"),
  UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY: tls("x509", "unable to decode the issuer public key"),
  CERT_SIGNATURE_FAILURE: tls("x509", "the certificate signature does not verify"),
  CRL_SIGNATURE_FAILURE: tls("x509", "the CRL signature does not verify"),
  CERT_NOT_YET_VALID: tls("x509", "the certificate is not yet valid"),
  CERT_HAS_EXPIRED: {
    kind: "CertificateExpired",
    phase: "BeforeSend",
    source: "x509",
    description: "the certificate has expired"
  },
  CRL_NOT_YET_VALID: tls("x509", "the CRL is not yet valid"),
  CRL_HAS_EXPIRED: tls("x509", "the CRL has expired"),
  ERROR_IN_CERT_NOT_BEFORE_FIELD: tls("x509", "malformed notBefore field in the certificate"),
  ERROR_IN_CERT_NOT_AFTER_FIELD: tls("x509", "malformed notAfter field in the certificate"),
  ERROR_IN_CRL_LAST_UPDATE_FIELD: tls("x509", "malformed lastUpdate field in the CRL"),
  ERROR_IN_CRL_NEXT_UPDATE_FIELD: tls("x509", "malformed nextUpdate field in the CRL"),
  OUT_OF_MEM: tls("x509", "out of memory while verifying"),
  DEPTH_ZERO_SELF_SIGNED_CERT: tls("x509", "the peer's certificate is self-signed"),
  SELF_SIGNED_CERT_IN_CHAIN: tls("x509", "a self-signed certificate in the chain is not trusted"),
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: tls("x509", "the issuer is not in the trusted CA store"),
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: tls("x509", "unable to verify the first certificate (incomplete chain)"),
  CERT_CHAIN_TOO_LONG: tls("x509", "the certificate chain is too long"),
  CERT_REVOKED: tls("x509", "the certificate was revoked"),
  INVALID_CA: tls("x509", "an invalid CA certificate in the chain"),
  PATH_LENGTH_EXCEEDED: tls("x509", "the path length constraint was exceeded"),
  INVALID_PURPOSE: tls("x509", "the certificate may not be used for this purpose"),
  CERT_UNTRUSTED: tls("x509", "the certificate is not trusted"),
  CERT_REJECTED: tls("x509", "the certificate was rejected"),
  HOSTNAME_MISMATCH: tls("x509", "the certificate does not match the host name"),
  UNSPECIFIED: tls("x509", "certificate verification failed for a reason Node does not name")
}

const nodeTls: Record<string, Entry> = {
  ERR_TLS_CERT_ALTNAME_INVALID: tls("tls", "the certificate's subject alt names do not include the host"),
  ERR_TLS_CERT_ALTNAME_FORMAT: tls("tls", "malformed subject alt name in the certificate"),
  ERR_TLS_HANDSHAKE_TIMEOUT: timeout("tls", "connect", "BeforeSend", "the TLS handshake timed out"),
  ERR_TLS_INVALID_PROTOCOL_VERSION: tls("tls", "invalid TLS protocol version"),
  ERR_TLS_PROTOCOL_VERSION_CONFLICT: tls("tls", "conflicting TLS protocol version settings"),
  ERR_TLS_INVALID_PROTOCOL_METHOD: tls("tls", "invalid TLS secureProtocol method"),
  ERR_TLS_RENEGOTIATION_DISABLED: tls("tls", "TLS renegotiation is disabled"),
  ERR_TLS_REQUIRED_SERVER_NAME: tls("tls", "a server name is required"),
  ERR_TLS_SESSION_ATTACK: tls("tls", "excessive TLS renegotiation: possible attack"),
  ERR_TLS_DH_PARAM_SIZE: tls("tls", "the server's Diffie-Hellman parameters are too small"),
  ERR_TLS_INVALID_CONTEXT: tls("tls", "invalid secure context"),
  ERR_TLS_INVALID_STATE: tls("tls", "the TLS socket is not in a usable state"),
  ERR_TLS_SNI_FROM_SERVER: tls("tls", "SNI cannot be sent from the server side"),
  ERR_TLS_PSK_SET_IDENTIY_HINT_FAILED: tls("tls", "setting the PSK identity hint failed"),
  ERR_TLS_ALPN_CALLBACK_INVALID_RESULT: tls("tls", "the ALPN callback returned an offered protocol it may not"),
  ERR_TLS_ALPN_CALLBACK_WITH_PROTOCOLS: tls("tls", "ALPN callback and protocols are both set")
}

const nodeNet: Record<string, Entry> = {
  ERR_SOCKET_CONNECTION_TIMEOUT: timeout(
    "node",
    "connect",
    "BeforeSend",
    "every address of the host timed out (autoSelectFamily)"
  ),
  ERR_SOCKET_CLOSED_BEFORE_CONNECTION: lost("node", "the socket closed before it connected", "BeforeSend"),
  ERR_SOCKET_CLOSED: lost("node", "the socket is closed"),
  ERR_SOCKET_BAD_PORT: internalError("node", "the port is out of range"),
  ERR_STREAM_PREMATURE_CLOSE: lost("node", "the stream closed before it ended"),
  ERR_STREAM_DESTROYED: lost("node", "the stream was destroyed"),
  ERR_HTTP_CONTENT_LENGTH_MISMATCH: lost("node", "the body does not match its content-length"),
  ERR_HTTP_SOCKET_ASSIGNED: internalError("node", "the response already has a socket"),
  ERR_HTTP2_GOAWAY_SESSION: lost("node", "the HTTP/2 session received GOAWAY"),
  ERR_HTTP2_SESSION_ERROR: lost("node", "the HTTP/2 session failed"),
  ERR_HTTP2_STREAM_ERROR: lost("node", "the HTTP/2 stream was reset"),
  ERR_HTTP2_STREAM_CANCEL: lost("node", "the HTTP/2 stream was cancelled"),
  ERR_HTTP2_INVALID_SESSION: lost("node", "the HTTP/2 session was destroyed"),
  ERR_HTTP2_PING_CANCEL: lost("node", "the HTTP/2 ping was cancelled"),
  ERR_HTTP2_OUT_OF_STREAMS: unreachable("node", "no more HTTP/2 streams on the session"),
  ABORT_ERR: { ...lost("node", "the operation was aborted"), generic: true }
}

/**
 * Every classified platform code, by code. Codes with a family prefix (`ERR_SSL_*`, `ERR_OSSL_*`,
 * `HPE_*`, `UND_ERR_SOCKS5_REPLY_*`) are classified by {@link families}.
 *
 * @example
 * ```ts
 * import { Network } from "effect-faults"
 *
 * for (const [code, entry] of Object.entries(Network.codes)) {
 *   if (entry.kind === "Timeout") console.log(code, entry.budget, entry.phase)
 * }
 * ```
 *
 * @category table
 * @since 0.1.0
 */
export const codes: Readonly<Record<string, Entry>> = {
  ...system,
  ...dns,
  ...undici,
  ...x509,
  ...nodeTls,
  ...nodeNet
}

/**
 * Code families classified by prefix: OpenSSL errors Node names `ERR_SSL_<REASON>` (handshake
 * failure, unknown CA alert, wrong version…) and `ERR_OSSL_<…>`, the HTTP parser's `HPE_<…>` (a
 * response that is not HTTP), SOCKS5 reply codes, and other `ERR_HTTP2_*` errors.
 *
 * @example
 * ```ts
 * import { Network } from "effect-faults"
 *
 * console.log(Network.families.map((f) => f.prefix)) // ["ERR_SSL_", "ERR_OSSL_", "ERR_TLS_", "HPE_", ...]
 * ```
 *
 * @category table
 * @since 0.1.0
 */
export const families: ReadonlyArray<{ readonly prefix: string; readonly entry: Entry }> = [
  { prefix: "ERR_SSL_", entry: tls("tls", "OpenSSL rejected the handshake (alert, version, cipher, certificate)") },
  { prefix: "ERR_OSSL_", entry: tls("tls", "OpenSSL failed during the handshake") },
  { prefix: "ERR_TLS_", entry: tls("tls", "Node's TLS layer failed") },
  {
    prefix: "HPE_",
    entry: {
      kind: "NotWellFormed",
      phase: "MaybeDelivered",
      source: "http-parser",
      description: "the response is not valid HTTP"
    }
  },
  { prefix: "UND_ERR_SOCKS5_", entry: unreachable("undici", "the SOCKS5 proxy could not connect") },
  { prefix: "EAI_", entry: unreachable("dns", "getaddrinfo failed") },
  { prefix: "ERR_HTTP2_", entry: lost("node", "HTTP/2 failure") }
]

/**
 * The classification of one code: exact match first, then the code families.
 *
 * @example
 * ```ts
 * import { Network } from "effect-faults"
 *
 * console.log(Network.lookup("ERR_SSL_TLSV1_ALERT_UNKNOWN_CA")?.kind) // "TlsRejected"
 * console.log(Network.lookup("NOPE")) // undefined
 * ```
 *
 * @category table
 * @since 0.1.0
 */
export const lookup = (code: string): Entry | undefined => {
  if (Object.hasOwn(codes, code)) return codes[code]
  for (const family of families) if (code.startsWith(family.prefix)) return family.entry
  return undefined
}

// -----------------------------------------------------------------------------
// Looking through wrappers
// -----------------------------------------------------------------------------

/**
 * A platform error found under the wrappers, with the code it carries and its classification.
 *
 * @example
 * ```ts
 * import { Network } from "effect-faults"
 *
 * const found: Network.Found | undefined = Network.find(Object.assign(new Error("reset"), { code: "ECONNRESET" }))
 * console.log(found?.code, found?.entry.kind, found?.depth) // "ECONNRESET" "ConnectionLost" 0
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Found {
  readonly code: string
  readonly entry: Entry
  /** The error object that carries the code. */
  readonly error: object
  /** How many wrappers deep it was found. */
  readonly depth: number
}

const MAX_DEPTH = 8
const MAX_NODES = 64

const children = (u: object): Array<unknown> => {
  const out: Array<unknown> = []
  const o = u as Record<string, unknown>
  // Effect's HttpClientError keeps the platform error on its reason (and on `cause`)
  if (Predicate.hasProperty(o, "reason") && Predicate.isObject(o.reason)) out.push(o.reason)
  if (Cause.isCause(u)) {
    for (const reason of u.reasons) {
      if (reason._tag === "Fail") out.push(reason.error)
      else if (reason._tag === "Die") out.push(reason.defect)
    }
  }
  if ("cause" in o) out.push(o.cause)
  const errors = (u as { readonly errors?: unknown }).errors
  if (Array.isArray(errors)) { for (let i = 0; i < errors.length && i < 16; i++) out.push(errors[i]) }
  return out
}

const codeOf = (u: object): string | undefined => {
  const code = (u as { readonly code?: unknown }).code
  if (typeof code === "string" && code.length > 0 && code.length <= 80) return code
  // DOMException-style timeouts and aborts (AbortSignal.timeout) carry a name, not a string code
  const name = (u as { readonly name?: unknown }).name
  if (name === "TimeoutError") return "TimeoutError"
  if (name === "AbortError") return "ABORT_ERR"
  return undefined
}

const abortTimeout: Entry = timeout("node", "attempt", "MaybeDelivered", "the call's AbortSignal timed out")
const effectTimeout: Entry = timeout("node", "attempt", "MaybeDelivered", "Effect's own timeout elapsed")

/**
 * Finds the most specific classified platform code under any number of wrappers: Effect's
 * `HttpClientError` and its `reason`, `cause` chains, `AggregateError.errors`, and Effect `Cause`s.
 * Searches breadth-first (outermost first), bounded in depth and size; a wrapper code
 * ({@link Entry.generic}) gives way to a specific one found deeper. Never throws.
 *
 * @example
 * ```ts
 * import { Network } from "effect-faults"
 *
 * const fetchError = new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }) })
 * console.log(Network.find(fetchError)?.code) // "ECONNREFUSED"
 * ```
 *
 * @category classification
 * @since 0.1.0
 */
export const find = (error: unknown): Found | undefined => {
  try {
    let generic: Found | undefined
    const seen = new Set<object>()
    let level: Array<unknown> = [error]
    for (let depth = 0; depth <= MAX_DEPTH && level.length > 0; depth++) {
      const next: Array<unknown> = []
      for (const u of level) {
        if (!Predicate.isObject(u) || seen.has(u) || seen.size >= MAX_NODES) continue
        seen.add(u)
        if (Cause.isTimeoutError(u)) {
          return { code: "TimeoutError", entry: effectTimeout, error: u, depth }
        }
        const code = codeOf(u)
        if (code !== undefined) {
          const entry = code === "TimeoutError" ? abortTimeout : lookup(code)
          if (entry !== undefined) {
            if (entry.generic !== true) return { code, entry, error: u, depth }
            generic ??= { code, entry, error: u, depth }
          }
        }
        for (const child of children(u)) next.push(child)
      }
      level = next
    }
    return generic
  } catch {
    // hostile getters (a Proxy, a throwing `cause`) must not turn a classification into a defect
    return undefined
  }
}

// -----------------------------------------------------------------------------
// Classification
// -----------------------------------------------------------------------------

const str = (u: unknown): string | undefined => typeof u === "string" && u.length > 0 ? u : undefined
const prop = (u: object, key: string): unknown => (u as Record<string, unknown>)[key]

const hostOf = (error: object, root: unknown): string | undefined => {
  const hostname = str(prop(error, "hostname")) ?? str(prop(error, "host"))
  if (hostname !== undefined) return hostname
  const address = str(prop(error, "address"))
  if (address !== undefined) {
    const port = prop(error, "port")
    return typeof port === "number" ? `${address}:${port}` : address
  }
  // Effect's HttpClientError knows the request's URL
  if (Predicate.isObject(root)) {
    const request = prop(root, "request")
    if (Predicate.isObject(request)) {
      const url = str(prop(request, "url"))
      if (url !== undefined) {
        try {
          return new URL(url).host
        } catch {
          return undefined
        }
      }
    }
  }
  return undefined
}

const syscallOf = (error: object): string | undefined => {
  const syscall = str(prop(error, "syscall"))
  if (syscall !== undefined) return syscall
  const errors = prop(error, "errors")
  if (Array.isArray(errors) && Predicate.isObject(errors[0])) return str(prop(errors[0], "syscall"))
  return undefined
}

// Failures during connect or name resolution happen before a request byte is written.
const beforeSendSyscalls = new Set([
  "connect",
  "getaddrinfo",
  "getnameinfo",
  "lookup",
  "queryA",
  "queryAaaa",
  "queryAny"
])

const timeoutMs = (error: object): number | undefined => {
  const timeout = prop(error, "timeout")
  if (typeof timeout === "number" && Number.isFinite(timeout) && timeout >= 0) return timeout
  // undici's ConnectTimeoutError says it in the message: "(attempted address: h:443, timeout: 10000ms)"
  const message = str(prop(error, "message"))
  const match = message === undefined ? null : /timeout: (\d+)ms/.exec(message)
  return match === null ? undefined : Number(match[1])
}

// undici's decompress interceptor names its limit in the message ("… exceeded maxSize (1024)");
// the error for maxResponseSize names none
const limitBytesOf = (error: object): number | undefined => {
  const message = str(prop(error, "message"))
  const match = message === undefined ? null : /exceeded maxSize \((\d+)\)/.exec(message)
  const bytes = match === null ? undefined : Number(match[1])
  return bytes !== undefined && Number.isSafeInteger(bytes) ? bytes : undefined
}

/**
 * The phase of a found code, refined by what the error says: a failure in `connect` or a DNS call,
 * or a TLS socket that closed before its handshake finished, happened before anything was sent.
 *
 * @internal
 */
const phaseOf = (found: Found): Fault.Phase => {
  if (found.entry.phase === "BeforeSend") return "BeforeSend"
  const syscall = syscallOf(found.error)
  if (syscall !== undefined && beforeSendSyscalls.has(syscall)) return "BeforeSend"
  const message = str(prop(found.error, "message"))
  if (message !== undefined && message.includes("before secure TLS connection was established")) return "BeforeSend"
  return "MaybeDelivered"
}

/**
 * Builds the fault for a found code.
 *
 * @example
 * ```ts
 * import { Network } from "effect-faults"
 *
 * const error = Object.assign(new Error("getaddrinfo ENOTFOUND vtn.invalid"), { code: "ENOTFOUND", hostname: "vtn.invalid" })
 * const found = Network.find(error)!
 * console.log(Network.toFault(found, error)._tag) // "Unreachable"
 * ```
 *
 * @category classification
 * @since 0.1.0
 */
export const toFault = (found: Found, original: unknown, context: Context = {}): Fault.Fault => {
  const host = context.host ?? hostOf(found.error, original)
  const reason = found.code
  const cause = original
  switch (found.entry.kind) {
    case "Unreachable":
      return new Fault.Unreachable({ host, reason, cause })
    case "TlsRejected":
      return new Fault.TlsRejected({ host, reason, cause })
    case "CertificateExpired":
      return new Fault.CertificateExpired({
        host,
        reason,
        notAfter: context.notAfter ?? "unknown",
        subject: context.subject,
        presentedBy: "server",
        cause
      })
    case "ConnectionLost":
      return new Fault.ConnectionLost({ host, reason, phase: phaseOf(found), cause })
    case "Timeout": {
      const phase = phaseOf(found)
      const budget = found.entry.budget ?? "attempt"
      // a kernel ETIMEDOUT in connect is a connect budget, whatever the table's default says
      const spent = phase === "BeforeSend" && budget === "response" ? "connect" : budget
      // 0 when neither the error nor the caller says how long the budget was
      const afterMs = context.afterMs ?? timeoutMs(found.error) ?? 0
      return new Fault.Timeout({
        operation: context.operation,
        budget: spent,
        afterMs,
        phase,
        // Timeout has no `reason` field: the platform code goes into the message
        message: `${context.operation ?? "call"} timed out${
          afterMs > 0 ? ` after ${afterMs}ms` : ""
        } (${spent}, ${reason})`,
        cause
      })
    }
    case "NotWellFormed":
      return new Fault.NotWellFormed({
        format: "http",
        direction: "inbound",
        reason,
        excerpt: str(prop(found.error, "data"))?.slice(0, 200),
        cause
      })
    case "ContentTooLarge": {
      const limitBytes = limitBytesOf(found.error)
      // ContentTooLarge has no `reason` field: the platform code goes into the message, as for Timeout
      const size = limitBytes === undefined ? "is too large" : `exceeds the limit of ${limitBytes} bytes`
      return new Fault.ContentTooLarge({
        direction: "inbound",
        limitBytes,
        message: `response body ${size} (${reason})`,
        cause
      })
    }
    case "BadStatus": {
      const statusCode = prop(found.error, "statusCode")
      return new Fault.BadStatus({
        statusCode: typeof statusCode === "number" && Number.isInteger(statusCode) ? statusCode : 502,
        cause
      })
    }
    case "InternalError":
      return new Fault.InternalError({ message: `${reason}: ${found.entry.description}`, cause })
  }
}

/**
 * Classifies anything a platform call failed with into a typed fault, or `undefined` when no known
 * platform code is found under it (the caller decides: usually `Fault.fromUnknown`). A fault passes
 * through unchanged. Never throws.
 *
 * @example
 * ```ts
 * import { Network } from "effect-faults"
 *
 * const refused = new TypeError("fetch failed", {
 *   cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED", syscall: "connect", address: "127.0.0.1", port: 1 })
 * })
 * const f = Network.classify(refused, { operation: "GET /events" })
 * console.log(f?._tag, f?.message) // "Unreachable" "127.0.0.1:1 is unreachable (ECONNREFUSED)"
 * ```
 *
 * @category classification
 * @since 0.1.0
 */
export const classify = (error: unknown, context?: Context): Fault.Fault | undefined => {
  let found: Found | undefined
  try {
    if (Fault.isFault(error)) return error
    found = find(error)
    if (found === undefined) return undefined
    return toFault(found, error, context)
  } catch (cause) {
    // only a hostile object (throwing getters, a revoked Proxy) gets here
    return found === undefined
      ? undefined
      : new Fault.InternalError({ message: `could not classify ${found.code}`, cause })
  }
}

/**
 * Like {@link classify}, but anything unclassified becomes an `InternalError` carrying it as its
 * local cause.
 *
 * @example
 * ```ts
 * import { Network } from "effect-faults"
 *
 * console.log(Network.classifyOrInternal(new Error("weird"))._tag) // "InternalError"
 * ```
 *
 * @category classification
 * @since 0.1.0
 */
export const classifyOrInternal = (error: unknown, context?: Context): Fault.Fault =>
  classify(error, context) ?? Fault.fromUnknown(error)
