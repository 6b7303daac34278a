/**
 * Secure: what verifying an RFC 9421 signature costs on top of the bare crypto, against the
 * `http-message-signatures` package, and what looking for a failure inside a success envelope costs
 * against parsing the body.
 */
import { Effect } from "effect"
import { Envelope, MessageSignatures, Signature } from "effect-faults/secure"
import { createVerifier, httpbis } from "http-message-signatures"
import * as crypto from "node:crypto"
import { compare, cpuInterleaved, interleaved, section } from "./harness.ts"

export async function run() {
  const ed = Signature.ed25519Generate("ven-1")
  const hmac = Signature.hmacSha256("vtn-1", "a shared secret of at least thirty-two bytes")
  const body = "<oadrRequestEvent><requestID>r-1</requestID></oadrRequestEvent>"
  const request: MessageSignatures.Message = {
    method: "POST",
    url: "https://vtn.example/OpenADR2/Simple/2.0b/EiEvent",
    headers: { "content-type": "application/xml", "content-digest": MessageSignatures.contentDigest(body) }
  }
  const components = ["@method", "@authority", "@path", "content-type", "content-digest"]
  const keys = Signature.make([ed.verifying, hmac])

  section("secure: RFC 9421 verification vs the bare signature check of the same base (goal ≤ 1.3x for ed25519)")
  for (const key of [ed.signing, hmac]) {
    const h = Effect.runSync(MessageSignatures.sign(request, { key, components, created: 1_700_000_000 }))
    const signed = { ...request, headers: { ...request.headers, ...h } }
    const result = MessageSignatures.base(request, components, {
      created: 1_700_000_000,
      keyid: key.id,
      alg: key.algorithm
    })
    const base = Buffer.from("base" in result ? result.base : "")
    const sig = Buffer.from(h.signature.slice(h.signature.indexOf(":") + 1, -1), "base64")
    const pub = key.algorithm === "ed25519" ? ed.verifying.key : hmac.key
    const verify = MessageSignatures.verify(signed).pipe(Effect.provideService(Signature.Verifier, keys))
    const iterations = key.algorithm === "ed25519" ? 5_000 : 50_000
    const [ours, bare] = cpuInterleaved([
      [`MessageSignatures.verify (${key.algorithm}): parse, base, verify`, () => Effect.runSync(verify)],
      key.algorithm === "ed25519"
        ? [`crypto.verify(ed25519) of the signature base`, () => crypto.verify(null, base, pub, sig)]
        : [`createHmac + timingSafeEqual of the signature base`, () => {
          const mac = crypto.createHmac("sha256", pub).update(base).digest()
          return crypto.timingSafeEqual(mac, sig)
        }]
    ], { iterations, rounds: 7, warmup: iterations })
    compare(ours!, bare!, key.algorithm === "ed25519" ? { kind: "at most", ratio: 1.3 } : undefined)
    if (key.algorithm === "ed25519") {
      const pkg = {
        keyLookup: async () => ({
          id: "ven-1",
          algs: ["ed25519"],
          verify: createVerifier(ed.verifying.key, "ed25519")
        }),
        notAfter: 1_800_000_000
      }
      const pkgMessage = { method: "POST", url: request.url!, headers: signed.headers as Record<string, string> }
      const [oursAsync, theirs] = await interleaved([
        ["MessageSignatures.verify (ed25519), same message", () => Effect.runPromise(verify)],
        ["http-message-signatures verifyMessage (ed25519)", () => httpbis.verifyMessage(pkg, pkgMessage)]
      ], { iterations: 3_000, rounds: 5, warmup: 3_000 })
      compare(oursAsync!, theirs!)
    }
  }

  section("secure: looking for a failure inside a 200 vs JSON.parse of the body (goal ≤ 1.5x)")
  const ok = JSON.stringify({ status: "OK", results: [{ id: 1, name: "a" }, { id: 2, name: "b" }] })
  const denied = JSON.stringify({ status: "REQUEST_DENIED", error_message: "The provided API key is invalid." })
  const incoming = (text: string) => ({ status: 200, headers: {}, body: text, truncated: false })
  const [parse, detect, toFault] = cpuInterleaved([
    ["JSON.parse of a success body", () => JSON.parse(ok)],
    ["Envelope.detect(all) on a success body", () => Envelope.detect(Envelope.all, incoming(ok))],
    ["Envelope.toFault(all) on a REQUEST_DENIED body", () => Envelope.toFault(Envelope.all, incoming(denied))]
  ])
  compare(detect!, parse!, { kind: "at most", ratio: 1.5 })
  compare(toFault!, parse!)
}

if (import.meta.main) await run()
