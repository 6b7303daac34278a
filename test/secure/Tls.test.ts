import { NodeHttpClient } from "@effect/platform-node"
import { afterAll, assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { Fault, Report } from "effect-faults"
import { Pinning, Tls } from "effect-faults/secure"
import * as Certs from "./certs.ts"
import * as Servers from "./servers.ts"

const certs = Certs.make()
afterAll(() => certs.cleanup())

const Quiet = Report.layer(Report.silent)

const nodeClient = (options: Tls.Options) =>
  NodeHttpClient.layerNodeHttpNoAgent.pipe(Layer.provide(Layer.effect(NodeHttpClient.HttpAgent, Tls.agents(options))))

const undiciClient = (options: Tls.Options) =>
  NodeHttpClient.layerUndiciOptions({ connect: Tls.connectionOptions(options) })

// GET through the secure fault client; the body on success, the fault on failure
const get = (url: string, client: Layer.Layer<import("effect/http").HttpClient.HttpClient>) =>
  Effect.gen(function*() {
    const http = yield* Tls.client()
    const response = yield* http.get(url)
    return yield* Effect.mapError(response.text, Fault.fromUnknown)
  }).pipe(Effect.provide([client, Quiet]), Effect.scoped)

const failure = (url: string, client: Layer.Layer<import("effect/http").HttpClient.HttpClient>) =>
  Effect.flip(get(url, client))

const codeInCause = (fault: Fault.Fault): string | undefined => {
  let u: unknown = fault.cause
  for (let i = 0; i < 8 && typeof u === "object" && u !== null; i++) {
    const code = (u as { code?: unknown }).code
    if (typeof code === "string") return code
    const o = u as { reason?: unknown; cause?: unknown }
    u = typeof o.reason === "object" && o.reason !== null && "cause" in o.reason ? o.reason : o.cause
  }
  return undefined
}

const withServer = <A, E>(
  start: () => Promise<Servers.Running>,
  body: (server: Servers.Running) => Effect.Effect<A, E>
) => Effect.acquireUseRelease(Effect.promise(start), body, (s) => Effect.promise(s.close))

describe("TLS failures, really produced on loopback", () => {
  it.live("a trusted certificate answers", () =>
    withServer(() => Servers.https_(certs.server), (server) =>
      Effect.gen(function*() {
        const body = yield* get(server.url, nodeClient({ ca: certs.ca }))
        assert.include(body, "<responseCode>200</responseCode>")
        assert.strictEqual(server.hits(), 1)
      })))

  it.live("an expired server certificate is CertificateExpired with its notAfter and Node's code", () =>
    withServer(() => Servers.https_(certs.expired), (server) =>
      Effect.gen(function*() {
        const fault = yield* failure(server.url, nodeClient({ ca: certs.ca }))
        assert.strictEqual(fault._tag, "CertificateExpired")
        const expired = fault as Fault.CertificateExpired
        assert.strictEqual(expired.notAfter, certs.expiredNotAfter)
        assert.strictEqual(expired.reason, "CERT_HAS_EXPIRED")
        assert.include(expired.subject ?? "", "CN=localhost")
        assert.strictEqual(expired.host, `127.0.0.1:${server.port}`)
        assert.strictEqual(codeInCause(expired), "CERT_HAS_EXPIRED")
        assert.strictEqual(expired.expected, "CallOperator")
        assert.strictEqual(server.hits(), 0)
        // the agent kept the certificate of the failed handshake: no second connection to read it
        assert.strictEqual(server.connections(), 1)
      })))

  it.live("an expired certificate met by undici (no certificate kept) is read back with Tls.inspect", () =>
    withServer(() => Servers.https_(certs.expired), (server) =>
      Effect.gen(function*() {
        const fault = yield* failure(server.url, undiciClient({ ca: certs.ca }))
        assert.strictEqual(fault._tag, "CertificateExpired")
        assert.strictEqual((fault as Fault.CertificateExpired).notAfter, certs.expiredNotAfter)
        assert.strictEqual((fault as Fault.CertificateExpired).reason, "CERT_HAS_EXPIRED")
        assert.strictEqual(server.connections(), 2) // the call, then the inspection
        assert.strictEqual(server.hits(), 0)
      })))

  const rejected = [
    ["a self-signed certificate", () => certs.selfSigned, "DEPTH_ZERO_SELF_SIGNED_CERT"],
    ["a certificate from an unknown CA", () => certs.unknownCa, "UNABLE_TO_VERIFY_LEAF_SIGNATURE"],
    ["a certificate for another host name", () => certs.wrongHost, "ERR_TLS_CERT_ALTNAME_INVALID"]
  ] as const
  for (const [name, pair, code] of rejected) {
    it.live(`${name} is TlsRejected (${code}), before anything is sent`, () =>
      withServer(() => Servers.https_(pair()), (server) =>
        Effect.gen(function*() {
          const fault = yield* failure(server.url, nodeClient({ ca: certs.ca }))
          assert.strictEqual(fault._tag, "TlsRejected")
          assert.strictEqual((fault as Fault.TlsRejected).reason, code)
          assert.strictEqual(Fault.phase(fault), "BeforeSend")
          assert.strictEqual(codeInCause(fault), code)
          assert.isString(fault.correlationId)
          assert.strictEqual(server.hits(), 0)
        })))
  }

  it.live("mutual TLS: no client certificate is TlsRejected (certificate required alert)", () =>
    withServer(
      () => Servers.https_({ ...certs.server, ca: certs.ca, requestCert: true, rejectUnauthorized: true }),
      (server) =>
        Effect.gen(function*() {
          const fault = yield* failure(server.url, nodeClient({ ca: certs.ca }))
          assert.strictEqual(fault._tag, "TlsRejected")
          assert.strictEqual((fault as Fault.TlsRejected).reason, "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED")
          assert.strictEqual(server.hits(), 0)
        })
    ))

  it.live("mutual TLS: a client certificate the server refuses is TlsRejected (unknown CA alert)", () =>
    withServer(() => Servers.opensslMutual(certs.dir), (server) =>
      Effect.gen(function*() {
        const fault = yield* failure(server.url, nodeClient({ ca: certs.ca, ...certs.rogueClient }))
        assert.strictEqual(fault._tag, "TlsRejected")
        assert.strictEqual((fault as Fault.TlsRejected).reason, "ERR_SSL_TLSV1_ALERT_UNKNOWN_CA")
        // the accepted certificate gets through the same server
        const body = yield* get(server.url, nodeClient({ ca: certs.ca, ...certs.client }))
        assert.include(body, "s_server")
      })))
})

describe("the secure client is the HTTP interpreter's client underneath", () => {
  it.live("an error status over a trusted, pinned connection is still decoded by the HTTP client", () =>
    withServer(
      () =>
        Servers.https_(certs.server, (_, res) => {
          res.writeHead(503, { "content-type": "application/problem+json", "retry-after": "2" })
          res.end(
            JSON.stringify({ type: "about:blank", title: "Service unavailable", status: 503, code: "Unavailable" })
          )
        }),
      (server) =>
        Effect.gen(function*() {
          const pins = { "127.0.0.1": [Pinning.fingerprint(certs.server.cert)] }
          const fault = yield* failure(server.url, nodeClient({ ca: certs.ca, pins }))
          assert.strictEqual(fault._tag, "RemoteFault")
          assert.strictEqual((fault as Fault.RemoteFault).remoteStatus, 503)
          assert.strictEqual(fault.retryAfterMs, 2000)
          assert.strictEqual(server.hits(), 1)
        })
    ))
})

describe("certificate pinning", () => {
  it.live("the fingerprint on record lets the call through", () =>
    withServer(() => Servers.https_(certs.server), (server) =>
      Effect.gen(function*() {
        const pins = { "127.0.0.1": [Pinning.fingerprint(certs.server.cert)] }
        const body = yield* get(server.url, nodeClient({ ca: certs.ca, pins }))
        assert.include(body, "200")
      })))

  for (const [name, client] of [["node:https", nodeClient], ["undici", undiciClient]] as const) {
    it.live(`${name}: another fingerprint is FingerprintMismatch, and the server's handler never runs`, () =>
      withServer(
        () => Servers.https_(certs.server, (_, res) => res.end("SECRET APPLICATION BYTES")),
        (server) =>
          Effect.gen(function*() {
            const onRecord = Pinning.fingerprint(certs.wrongHost.cert)
            const fault = yield* failure(server.url, client({ ca: certs.ca, pins: { "127.0.0.1": [onRecord] } }))
            assert.strictEqual(fault._tag, "FingerprintMismatch")
            const mismatch = fault as Fault.FingerprintMismatch
            assert.strictEqual(mismatch.expectedFingerprint, onRecord)
            assert.strictEqual(mismatch.presentedFingerprint, Pinning.fingerprint(certs.server.cert))
            assert.strictEqual(mismatch.host, "127.0.0.1")
            assert.strictEqual(mismatch.presentedBy, "server")
            assert.notInclude(mismatch.message, "SECRET")
            // the handshake was aborted: no request was written, so no response byte could be read
            assert.strictEqual(server.hits(), 0)
          })
      ))
  }

  it("normalises the forms a fingerprint is written in", () => {
    const fp = Pinning.fingerprint(certs.server.cert)
    assert.strictEqual(Pinning.normalize(fp.replace(/:/g, "").toLowerCase()), fp)
    const b64 = Buffer.from(fp.replace(/:/g, ""), "hex").toString("base64")
    assert.strictEqual(Pinning.normalize(`sha256/${b64}`), fp)
  })
})

describe("certificate validity", () => {
  it("checkValidity: expired and not-yet-valid, with notAfter in ISO 8601", () => {
    const cert = Tls.describe(certs.expired.cert)
    assert.strictEqual(cert.notAfter, certs.expiredNotAfter)
    assert.strictEqual(cert.notBefore, "2024-01-01T00:00:00.000Z")
    const after = Tls.checkValidity(cert, { now: new Date("2025-01-01"), host: "vtn" })
    assert.strictEqual(after?.reason, "CERT_HAS_EXPIRED")
    assert.strictEqual(after?.notAfter, certs.expiredNotAfter)
    const before = Tls.checkValidity(cert, { now: new Date("2023-06-01") })
    assert.strictEqual(before?.reason, "CERT_NOT_YET_VALID")
    assert.isUndefined(Tls.checkValidity(cert, { now: new Date("2024-01-15") }))
  })

  it.live("inspect reads the presented certificate without trusting it", () =>
    withServer(() => Servers.https_(certs.selfSigned), (server) =>
      Effect.gen(function*() {
        const cert = yield* Tls.inspect({ host: "127.0.0.1", port: server.port })
        assert.strictEqual(cert.fingerprint256, Pinning.fingerprint(certs.selfSigned.cert))
        assert.strictEqual(server.hits(), 0)
      })))
})
