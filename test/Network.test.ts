import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect } from "effect"
import { Fault, Network } from "effect-faults"
import { HttpClientError, HttpClientRequest } from "effect/http"
import * as dns from "node:dns"
import { readFileSync } from "node:fs"
import * as http from "node:http"
import * as https from "node:https"
import { createRequire } from "node:module"
import type { AddressInfo } from "node:net"
import * as net from "node:net"
import { dirname, join } from "node:path"
import * as util from "node:util"
import * as zlib from "node:zlib"
import * as Certs from "./secure/certs.ts"

const coded = (code: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(`${code} happened`), { code, ...extra })

/** libuv codes that are about files and processes, never about a connection: deliberately not classified. */
const notNetwork = new Set([
  "E2BIG",
  "EBUSY",
  "ECHARSET",
  "EEXIST",
  "EFBIG",
  "EISDIR",
  "ELOOP",
  "ENAMETOOLONG",
  "ENOSPC",
  "ENOTDIR",
  "ENOTEMPTY",
  "EOVERFLOW",
  "ERANGE",
  "EROFS",
  "ESPIPE",
  "ESRCH",
  "ETXTBSY",
  "EXDEV",
  "UNKNOWN",
  "EMLINK",
  "ENOTTY",
  "EFTYPE",
  "EILSEQ",
  "EUNATCH",
  "ENOEXEC"
])

/** Node's X.509 verify codes (doc/api/tls.md "X509 certificate error codes"). */
const x509Codes = [
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_CRL",
  "UNABLE_TO_DECRYPT_CERT_SIGNATURE",
  "UNABLE_TO_DECRYPT_CRL_SIGNATURE",
  "UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY",
  "CERT_SIGNATURE_FAILURE",
  "CRL_SIGNATURE_FAILURE",
  "CERT_NOT_YET_VALID",
  "CERT_HAS_EXPIRED",
  "CRL_NOT_YET_VALID",
  "CRL_HAS_EXPIRED",
  "ERROR_IN_CERT_NOT_BEFORE_FIELD",
  "ERROR_IN_CERT_NOT_AFTER_FIELD",
  "ERROR_IN_CRL_LAST_UPDATE_FIELD",
  "ERROR_IN_CRL_NEXT_UPDATE_FIELD",
  "OUT_OF_MEM",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "CERT_CHAIN_TOO_LONG",
  "CERT_REVOKED",
  "INVALID_CA",
  "PATH_LENGTH_EXCEEDED",
  "INVALID_PURPOSE",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "HOSTNAME_MISMATCH"
]

const undiciRoot = () => {
  const require = createRequire(import.meta.url)
  return dirname(
    require.resolve("undici/package.json", { paths: [dirname(require.resolve("@effect/platform-node/package.json"))] })
  )
}
const undiciEntry = () => join(undiciRoot(), "index.js")

/** Every `UND_ERR*` code in the undici sources installed with @effect/platform-node. */
const undiciCodes = (): Array<string> => {
  const root = undiciRoot()
  const sources = ["lib/core/errors.js", "lib/core/socks5-client.js"].map((f) => readFileSync(join(root, f), "utf8"))
    .join("\n")
  const found = new Set<string>()
  for (const m of sources.matchAll(/["'`](UND_ERR(?:_[A-Z0-9_]*[A-Z0-9])?)["'`$]/g)) found.add(m[1]!)
  return [...found]
}

describe("Network tables", () => {
  it("classifies every libuv system error code Node knows, except the file/process ones, on purpose", () => {
    const all = [...util.getSystemErrorMap().values()].map(([name]) => name)
    assert.isAbove(all.length, 60)
    for (const code of all) {
      if (notNetwork.has(code)) assert.isUndefined(Network.lookup(code), code)
      else assert.isDefined(Network.lookup(code), `${code} is not classified`)
    }
  })

  it("classifies every DNS error code of node:dns as Unreachable or Timeout before sending", () => {
    const codes = Object.entries(dns).filter(([k, v]) => /^[A-Z_]+$/.test(k) && typeof v === "string").map(([, v]) =>
      v as string
    )
    assert.isAbove(codes.length, 20)
    for (const code of [...codes, "EAI_AGAIN", "EAI_FAIL", "EAI_NODATA", "EAI_NONAME"]) {
      const entry = Network.lookup(code)
      assert.isDefined(entry, code)
      // EOF and ENOMEM are also system codes (a stream end, memory): classified by the system table
      if (code === "EOF" || code === "ENOMEM") continue
      assert.include(["Unreachable", "Timeout"], entry!.kind, code)
      assert.strictEqual(entry!.phase, "BeforeSend", code)
    }
  })

  it("classifies every UND_ERR_* code of the installed undici", () => {
    const codes = undiciCodes()
    assert.includeMembers(codes, ["UND_ERR_CONNECT_TIMEOUT", "UND_ERR_SOCKET", "UND_ERR_SOCKS5_AUTH_FAILED"])
    assert.isAbove(codes.length, 25)
    for (const code of codes) assert.isDefined(Network.lookup(code), `${code} is not classified`)
    assert.strictEqual(Network.lookup("UND_ERR_SOCKS5_REPLY_5")?.kind, "Unreachable")
  })

  it("classifies every X.509 verify code: CertificateExpired for an expired certificate, TlsRejected otherwise", () => {
    for (const code of x509Codes) {
      const entry = Network.lookup(code)
      assert.isDefined(entry, code)
      assert.strictEqual(entry!.kind, code === "CERT_HAS_EXPIRED" ? "CertificateExpired" : "TlsRejected", code)
      assert.strictEqual(entry!.phase, "BeforeSend")
    }
    assert.strictEqual(Network.lookup("ERR_TLS_CERT_ALTNAME_INVALID")?.kind, "TlsRejected")
    assert.strictEqual(Network.lookup("ERR_SSL_TLSV1_ALERT_UNKNOWN_CA")?.kind, "TlsRejected")
    assert.strictEqual(Network.lookup("ERR_SSL_WRONG_VERSION_NUMBER")?.kind, "TlsRejected")
    assert.strictEqual(Network.lookup("ERR_TLS_HANDSHAKE_TIMEOUT")?.kind, "Timeout")
  })

  it("every table entry builds the fault it names, with the code as reason; InternalError only where the table says", () => {
    let internal = 0
    for (const [code, entry] of Object.entries(Network.codes)) {
      const fault = Network.classify(coded(code, { statusCode: 503 }))
      assert.isDefined(fault, code)
      assert.strictEqual(fault!._tag, entry.kind, code)
      if (entry.kind === "InternalError") internal++
      else if (entry.kind === "Timeout") assert.include(fault!.message, code)
      else if (entry.kind === "ContentTooLarge") {
        // no `reason` field: the code is in the message; always an answer too large for us
        assert.include(fault!.message, code)
        assert.strictEqual((fault as Fault.ContentTooLarge).direction, "inbound", code)
      } else if (entry.kind === "BadStatus") assert.strictEqual((fault as Fault.BadStatus).statusCode, 503, code)
      else {
        const reason = (fault as unknown as { reason?: string }).reason
        assert.strictEqual(reason, code)
      }
      if (entry.kind === "ConnectionLost" || entry.kind === "Timeout") {
        assert.strictEqual(Fault.phase(fault!), entry.phase)
      }
    }
    // a handful of local programming errors, listed by name
    assert.isAtMost(internal, 12)
  })

  it("an unknown code, no code at all, or a hostile object is left unclassified, never thrown", () => {
    assert.isUndefined(Network.classify(coded("EWHATEVER")))
    assert.isUndefined(Network.classify(new Error("plain")))
    assert.isUndefined(Network.classify(null))
    assert.isUndefined(Network.classify("ECONNREFUSED"))
    const hostile = new Proxy({}, {
      get: () => {
        throw new Error("boom")
      },
      has: () => {
        throw new Error("boom")
      }
    })
    assert.isUndefined(Network.classify(hostile))
    const cyclic: any = new Error("loop")
    cyclic.cause = cyclic
    assert.isUndefined(Network.classify(cyclic))
    assert.strictEqual(Network.classifyOrInternal(new Error("plain"))._tag, "InternalError")
  })
})

describe("Network.classify looks through wrappers", () => {
  const refused = coded("ECONNREFUSED", { syscall: "connect", address: "127.0.0.1", port: 9 })

  it("fetch's TypeError('fetch failed').cause", () => {
    const f = Network.classify(new TypeError("fetch failed", { cause: refused }))
    assert.instanceOf(f, Fault.Unreachable)
    assert.strictEqual((f as Fault.Unreachable).reason, "ECONNREFUSED")
    assert.strictEqual((f as Fault.Unreachable).host, "127.0.0.1:9")
    assert.strictEqual(Fault.phase(f!), "BeforeSend")
  })

  it("Effect's HttpClientError with reason TransportError, keeping the original as local cause", () => {
    const request = HttpClientRequest.get("http://vtn.example:8080/events")
    const error = new HttpClientError.HttpClientError({
      reason: new HttpClientError.TransportError({
        request,
        cause: new TypeError("fetch failed", { cause: coded("ECONNRESET") })
      })
    })
    const f = Network.classify(error, { operation: "GET /events" })
    assert.instanceOf(f, Fault.ConnectionLost)
    assert.strictEqual((f as Fault.ConnectionLost).phase, "MaybeDelivered")
    assert.strictEqual((f as Fault.ConnectionLost).host, "vtn.example:8080")
    assert.strictEqual(f!.cause, error)
  })

  it("AggregateError from a happy-eyeballs connect, a Cause, and an Effect timeout", () => {
    const aggregate = Object.assign(new AggregateError([coded("ETIMEDOUT", { syscall: "connect" })], "all failed"), {
      code: "ETIMEDOUT"
    })
    const t = Network.classify(aggregate)
    assert.instanceOf(t, Fault.Timeout)
    assert.strictEqual((t as Fault.Timeout).budget, "connect")
    assert.strictEqual((t as Fault.Timeout).phase, "BeforeSend")
    assert.strictEqual(Network.classify(Cause.die(new TypeError("x", { cause: refused })))?._tag, "Unreachable")
    assert.strictEqual(Network.classify(new Cause.TimeoutError("slow"))?._tag, "Timeout")
    // an aborted AbortSignal.timeout() rejects with a DOMException named TimeoutError, no string code
    const aborted = Network.classify(new TypeError("fetch failed", { cause: new DOMException("t", "TimeoutError") }))
    assert.instanceOf(aborted, Fault.Timeout)
    assert.strictEqual((aborted as Fault.Timeout).budget, "attempt")
  })

  it("a wrapper code gives way to the specific code under it", () => {
    const retry = coded("UND_ERR_REQ_RETRY", { cause: coded("UND_ERR_HEADERS_TIMEOUT") })
    const f = Network.classify(retry, { afterMs: 300 })
    assert.instanceOf(f, Fault.Timeout)
    assert.strictEqual((f as Fault.Timeout).afterMs, 300)
    assert.strictEqual((f as Fault.Timeout).budget, "response")
    assert.strictEqual(Network.classify(coded("UND_ERR_REQ_RETRY"))?._tag, "ConnectionLost")
  })

  it("refines the phase: a read timeout may have delivered, a reset during the TLS handshake did not", () => {
    const read = Network.classify(coded("ETIMEDOUT", { syscall: "read" })) as Fault.Timeout
    assert.strictEqual(read.phase, "MaybeDelivered")
    assert.strictEqual(read.budget, "response")
    const handshake = Network.classify(
      Object.assign(new Error("Client network socket disconnected before secure TLS connection was established"), {
        code: "ECONNRESET"
      })
    )
    assert.strictEqual(Fault.phase(handshake!), "BeforeSend")
    const connectTimeout = Network.classify(
      coded("UND_ERR_CONNECT_TIMEOUT", { message: "Connect Timeout Error (attempted address: a:1, timeout: 10000ms)" })
    ) as Fault.Timeout
    assert.strictEqual(connectTimeout.afterMs, 10000)
  })
})

const listen = (server: net.Server): Promise<number> =>
  new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)))
const close = (server: net.Server) => new Promise<void>((resolve) => server.close(() => resolve()))
const closedPort = async () => {
  const server = net.createServer()
  const port = await listen(server)
  await close(server)
  return port
}
const fetchError = (url: string, init?: RequestInit) =>
  fetch(url, init).then((r) => r.text()).then(() => undefined, (e) => e)

describe("Network.classify on real loopback failures", () => {
  it("connection refused on a closed port → Unreachable ECONNREFUSED, BeforeSend (fetch and node:http)", async () => {
    const port = await closedPort()
    const f = Network.classify(await fetchError(`http://127.0.0.1:${port}/`))
    assert.instanceOf(f, Fault.Unreachable)
    assert.strictEqual((f as Fault.Unreachable).reason, "ECONNREFUSED")
    const e = await new Promise((resolve) => http.get(`http://127.0.0.1:${port}/`).on("error", resolve))
    assert.strictEqual((Network.classify(e) as Fault.Unreachable).reason, "ECONNREFUSED")
  })

  it("a .invalid name → Unreachable ENOTFOUND or EAI_AGAIN (offline)", async () => {
    const f = Network.classify(await fetchError("http://vtn.invalid/"))
    assert.instanceOf(f, Fault.Unreachable)
    assert.include(["ENOTFOUND", "EAI_AGAIN"], (f as Fault.Unreachable).reason)
    assert.strictEqual((f as Fault.Unreachable).host, "vtn.invalid")
  })

  it("a server that destroys the socket mid-response → ConnectionLost MaybeDelivered", async () => {
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { "content-length": "100" })
      res.write("partial")
      setTimeout(() => res.socket?.destroy(), 10)
    })
    const port = await listen(server)
    try {
      const viaFetch = Network.classify(await fetchError(`http://127.0.0.1:${port}/`))
      assert.instanceOf(viaFetch, Fault.ConnectionLost)
      assert.strictEqual((viaFetch as Fault.ConnectionLost).phase, "MaybeDelivered")
      const raw = net.createServer((s) => s.on("data", () => s.destroy()))
      const rawPort = await listen(raw)
      const hangUp = await new Promise((resolve) => http.get(`http://127.0.0.1:${rawPort}/`).on("error", resolve))
      const f = Network.classify(hangUp) as Fault.ConnectionLost
      assert.strictEqual(f.reason, "ECONNRESET")
      assert.strictEqual(f.phase, "MaybeDelivered")
      await close(raw)
    } finally {
      server.closeAllConnections()
      await close(server)
    }
  })

  it("undici's own timeouts on a server that never answers → Timeout (headers: response/MaybeDelivered)", async () => {
    const { request } = await import(undiciEntry())
    const server = http.createServer(() => {})
    const port = await listen(server)
    try {
      const error = await request(`http://127.0.0.1:${port}/`, { headersTimeout: 50 }).then(
        () => undefined,
        (e: unknown) => e
      )
      const f = Network.classify(error, { afterMs: 50 }) as Fault.Timeout
      assert.instanceOf(f, Fault.Timeout)
      assert.include(f.message, "UND_ERR_HEADERS_TIMEOUT")
      assert.strictEqual(f.budget, "response")
      assert.strictEqual(f.phase, "MaybeDelivered")
    } finally {
      server.closeAllConnections()
      await close(server)
    }
  })

  it("undici's maxResponseSize on a body that is too long → ContentTooLarge inbound, the code in its message", async () => {
    const { Agent, interceptors, request } = await import(undiciEntry())
    const server = http.createServer((req, res) => {
      if (req.url === "/gzip") {
        res.writeHead(200, { "content-encoding": "gzip" }).end(zlib.gzipSync("z".repeat(10_000)))
      } else res.end("y".repeat(10_000))
    })
    const port = await listen(server)
    const agent = new Agent({ maxResponseSize: 100 })
    const decompressing = new Agent().compose(interceptors.decompress({ maxSize: 1024 }))
    try {
      const read = (path: string, dispatcher: unknown) =>
        request(`http://127.0.0.1:${port}${path}`, { dispatcher })
          .then((r: { body: { text(): Promise<string> } }) => r.body.text())
          .then(() => undefined, (e: unknown) => e)
      const error = await read("/", agent)
      assert.strictEqual((error as { code?: string }).code, "UND_ERR_RES_EXCEEDED_MAX_SIZE")
      const f = Network.classify(error)
      assert.instanceOf(f, Fault.ContentTooLarge)
      const tooLarge = f as Fault.ContentTooLarge
      // undici's error does not say the limit
      assert.deepStrictEqual([tooLarge.direction, tooLarge.limitBytes, tooLarge.status], ["inbound", undefined, 502])
      assert.strictEqual(tooLarge.message, "response body is too large (UND_ERR_RES_EXCEEDED_MAX_SIZE)")
      assert.strictEqual(tooLarge.cause, error)
      // the decompress interceptor's error does: "Decompressed response size (…) exceeded maxSize (1024)"
      const decompressed = Network.classify(await read("/gzip", decompressing)) as Fault.ContentTooLarge
      assert.instanceOf(decompressed, Fault.ContentTooLarge)
      assert.deepStrictEqual([decompressed.direction, decompressed.limitBytes], ["inbound", 1024])
      assert.strictEqual(
        decompressed.message,
        "response body exceeds the limit of 1024 bytes (UND_ERR_RES_EXCEEDED_MAX_SIZE)"
      )
    } finally {
      await agent.close()
      await decompressing.close()
      server.closeAllConnections()
      await close(server)
    }
  })

  describe("TLS", () => {
    const certs = Certs.make()
    const tlsError = async (pair: Certs.KeyPair, options: https.RequestOptions) => {
      const server = https.createServer({ key: pair.key, cert: pair.cert }, (_req, res) => res.end("ok"))
      const port = await listen(server)
      try {
        return await new Promise<unknown>((resolve) => {
          const req = https.get({ host: "127.0.0.1", port, path: "/", ...options }, (res) => {
            res.resume()
            resolve(undefined)
          })
          req.on("error", resolve)
        })
      } finally {
        server.closeAllConnections()
        await close(server)
      }
    }

    it("self-signed → TlsRejected DEPTH_ZERO_SELF_SIGNED_CERT", async () => {
      const f = Network.classify(await tlsError(certs.selfSigned, {}))
      assert.instanceOf(f, Fault.TlsRejected)
      assert.strictEqual((f as Fault.TlsRejected).reason, "DEPTH_ZERO_SELF_SIGNED_CERT")
    })

    it("unknown CA → TlsRejected UNABLE_TO_VERIFY_LEAF_SIGNATURE", async () => {
      const f = Network.classify(await tlsError(certs.unknownCa, { ca: certs.ca }))
      assert.strictEqual((f as Fault.TlsRejected).reason, "UNABLE_TO_VERIFY_LEAF_SIGNATURE")
    })

    it("wrong host name → TlsRejected ERR_TLS_CERT_ALTNAME_INVALID", async () => {
      const f = Network.classify(await tlsError(certs.wrongHost, { ca: certs.ca }))
      assert.instanceOf(f, Fault.TlsRejected)
      assert.strictEqual((f as Fault.TlsRejected).reason, "ERR_TLS_CERT_ALTNAME_INVALID")
    })

    it("expired → CertificateExpired carrying the notAfter the caller knows", async () => {
      const f = Network.classify(await tlsError(certs.expired, { ca: certs.ca }), { notAfter: certs.expiredNotAfter })
      assert.instanceOf(f, Fault.CertificateExpired)
      assert.strictEqual((f as Fault.CertificateExpired).reason, "CERT_HAS_EXPIRED")
      assert.strictEqual((f as Fault.CertificateExpired).notAfter, certs.expiredNotAfter)
      certs.cleanup()
    })
  })

  it.effect("classify is total inside Effect: a refused call never becomes a defect", () =>
    Effect.gen(function*() {
      const port = yield* Effect.promise(closedPort)
      const fault = yield* Effect.tryPromise({
        try: () => fetch(`http://127.0.0.1:${port}/`),
        catch: (e) => Network.classifyOrInternal(e)
      }).pipe(Effect.flip)
      assert.strictEqual(fault._tag, "Unreachable")
    }))
})
