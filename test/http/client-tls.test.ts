import { NodeHttpClient } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { Fault, Report } from "effect-faults"
import { Client } from "effect-faults/http"
import type { HttpClient } from "effect/http"
import { FetchHttpClient } from "effect/http"
import * as https from "node:https"
import type { AddressInfo } from "node:net"
import { afterAll } from "vitest"
import * as Certs from "../secure/certs.ts"

const certs = Certs.make()
afterAll(() => certs.cleanup())

const withTlsServer = <A, E, R>(pair: Certs.KeyPair, use: (url: string) => Effect.Effect<A, E, R>) =>
  Effect.acquireUseRelease(
    Effect.promise(() =>
      new Promise<https.Server>((resolve) => {
        const server = https.createServer({ key: pair.key, cert: pair.cert }, (_req, res) => res.end("ok"))
        server.listen(0, "127.0.0.1", () => resolve(server))
      })
    ),
    (server) => use(`https://127.0.0.1:${(server.address() as AddressInfo).port}/`),
    (server) =>
      Effect.promise(() =>
        new Promise<void>((r) => {
          server.closeAllConnections()
          server.close(() => r())
        })
      )
  )

const failure = (pair: Certs.KeyPair, layer: Layer.Layer<HttpClient.HttpClient>) =>
  withTlsServer(pair, (url) =>
    Effect.gen(function*() {
      const client = yield* Client.make()
      return yield* Effect.flip(client.get(url))
    })).pipe(Effect.provide(Layer.merge(layer, Report.layer(Report.silent))))

// the layers a user may pick; the two node layers also with the test CA trusted
const plain = [
  ["FetchHttpClient", FetchHttpClient.layer],
  ["NodeHttpClient.layerUndici", NodeHttpClient.layerUndici],
  ["NodeHttpClient.layerNodeHttp", NodeHttpClient.layerNodeHttp]
] as const
const trustingCa = [
  [
    "NodeHttpClient.layerUndiciOptions({ connect: { ca } })",
    NodeHttpClient.layerUndiciOptions({ connect: { ca: certs.ca } })
  ],
  ["NodeHttpClient.layerNodeHttpOptions({ ca })", NodeHttpClient.layerNodeHttpOptions({ ca: certs.ca })]
] as const

describe("Client over TLS", () => {
  for (const [name, layer] of plain) {
    it.effect(`${name}: a self-signed certificate → TlsRejected DEPTH_ZERO_SELF_SIGNED_CERT, BeforeSend`, () =>
      Effect.gen(function*() {
        const f = yield* failure(certs.selfSigned, layer)
        assert.instanceOf(f, Fault.TlsRejected)
        assert.strictEqual((f as Fault.TlsRejected).reason, "DEPTH_ZERO_SELF_SIGNED_CERT")
        assert.strictEqual(Fault.phase(f), "BeforeSend")
      }))
  }
  for (const [name, layer] of trustingCa) {
    it.effect(`${name}: expired → CertificateExpired; wrong host → TlsRejected ERR_TLS_CERT_ALTNAME_INVALID`, () =>
      Effect.gen(function*() {
        const expired = yield* failure(certs.expired, layer)
        assert.instanceOf(expired, Fault.CertificateExpired)
        assert.strictEqual((expired as Fault.CertificateExpired).reason, "CERT_HAS_EXPIRED")
        const wrongHost = yield* failure(certs.wrongHost, layer)
        assert.instanceOf(wrongHost, Fault.TlsRejected)
        assert.strictEqual((wrongHost as Fault.TlsRejected).reason, "ERR_TLS_CERT_ALTNAME_INVALID")
        const unknownCa = yield* failure(certs.unknownCa, layer)
        assert.strictEqual((unknownCa as Fault.TlsRejected).reason, "UNABLE_TO_VERIFY_LEAF_SIGNATURE")
      }))
  }
})
