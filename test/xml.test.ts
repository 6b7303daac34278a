import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import * as xml from "../src/internal/xml.ts"

describe("the core XML reader (http dialects and secure envelopes)", () => {
  it("finds an element by name, with attributes, not one whose name merely starts the same", () => {
    const body = `<Response><CodeName>no</CodeName><Code kind="x">Busy</Code></Response>`
    assert.strictEqual(xml.text(body, "Code"), "Busy")
    assert.deepStrictEqual(xml.element(body, "Code"), { raw: "Busy", end: body.indexOf("</Response>") })
    assert.strictEqual(xml.text(body, "Missing"), undefined)
  })

  it("reads by local name whatever the prefix only when asked, closed by the same prefix", () => {
    const body =
      `<oadr:payload><ei:responseCode>403</ei:responseCode ><pyld:requestID>r-1</pyld:requestID></oadr:payload>`
    assert.strictEqual(xml.text(body, "responseCode"), undefined)
    assert.strictEqual(xml.text(body, "responseCode", { anyPrefix: true }), "403")
    assert.strictEqual(xml.text(body, "requestID", { anyPrefix: true }), "r-1")
    // `:name` without a proper prefix before it is not an element
    assert.strictEqual(xml.text(`<1x:Code>a</1x:Code> x:Code>b`, "Code", { anyPrefix: true }), undefined)
  })

  it("self-closing elements are empty; CDATA is read as is; entities are unescaped; exact keeps spaces", () => {
    assert.strictEqual(xml.text(`<a><Code/></a>`, "Code"), "")
    assert.strictEqual(xml.text(`<Message><![CDATA[a < b & c]]></Message>`, "Message"), "a < b & c")
    assert.strictEqual(xml.text(`<Message> a &lt; b &#38; c </Message>`, "Message"), "a < b & c")
    assert.strictEqual(xml.text(`<Message> x </Message>`, "Message", { exact: true }), " x ")
    const from = `<Error><RequestId>in</RequestId></Error><RequestId>out</RequestId>`
    const error = xml.element(from, "Error")!
    assert.strictEqual(xml.text(from, "RequestId", { from: error.end }), "out")
  })

  it("an element that is never closed ends the search: hostile bodies stay linear", () => {
    const hostile = "<Code>".repeat(50_000) + "x"
    assert.strictEqual(xml.element(hostile, "Code"), undefined)
    const prefixes = "<a:Code x".repeat(20_000)
    assert.strictEqual(xml.element(prefixes, "Code", 0, true), undefined)
  })

  it("property: whatever the input, reading never throws and an element's content lies inside the body", () => {
    const piece = fc.constantFrom("<", ">", "/", ":", "Code", "ei:", " ", "x", "&amp;", "<![CDATA[", "]]>", "</Code>")
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }).map((a) => a.join("")), fc.boolean(), (body, anyPrefix) => {
        const found = xml.element(body, "Code", 0, anyPrefix)
        if (found !== undefined) {
          assert.isTrue(body.includes(found.raw))
          assert.isTrue(found.end <= body.length)
        }
        xml.text(body, "Code", { anyPrefix })
      }),
      { numRuns: 20_000 }
    )
  })
})
