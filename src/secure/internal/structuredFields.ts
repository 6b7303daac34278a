/**
 * The subset of RFC 8941 structured fields that RFC 9421 needs: dictionaries whose members are inner
 * lists of strings (Signature-Input) or byte sequences (Signature), with parameters. Parsing never
 * throws: it answers `undefined` for anything malformed.
 *
 * @internal
 */

/** @internal */
export type BareItem = string | number | boolean | Token | Uint8Array

/** @internal */
export class Token {
  readonly value: string
  constructor(value: string) {
    this.value = value
  }
}

/** @internal */
export type Params = ReadonlyArray<readonly [string, BareItem]>

/** @internal */
export interface Item {
  readonly value: BareItem
  readonly params: Params
}

/** @internal */
export interface InnerList {
  readonly items: ReadonlyArray<Item>
  readonly params: Params
}

/** @internal */
export type Member = Item | InnerList

/** @internal */
export const isInnerList = (m: Member): m is InnerList => "items" in m

class Parser {
  i = 0
  readonly s: string
  constructor(s: string) {
    this.s = s
  }
  fail(): never {
    throw parseError
  }
  ows() {
    while (this.s[this.i] === " " || this.s[this.i] === "\t") this.i++
  }
  sp() {
    while (this.s[this.i] === " ") this.i++
  }
  key(): string {
    const m = /^[a-z*][a-z0-9_\-.*]*/.exec(this.s.slice(this.i, this.i + 256))
    if (m === null) this.fail()
    this.i += m[0].length
    return m[0]
  }
  bare(): BareItem {
    const c = this.s[this.i]
    if (c === "\"") return this.string()
    if (c === ":") return this.bytes()
    if (c === "?") {
      const v = this.s[this.i + 1]
      if (v !== "0" && v !== "1") this.fail()
      this.i += 2
      return v === "1"
    }
    if (c !== undefined && /[-0-9]/.test(c)) return this.integer()
    if (c !== undefined && /[A-Za-z*]/.test(c)) {
      const m = /^[A-Za-z*][A-Za-z0-9:/!#$%&'*+\-.^_`|~]*/.exec(this.s.slice(this.i, this.i + 512))!
      this.i += m[0].length
      return new Token(m[0])
    }
    return this.fail()
  }
  string(): string {
    let out = ""
    this.i++
    while (this.i < this.s.length) {
      const c = this.s[this.i++]!
      if (c === "\\") {
        const n = this.s[this.i++]
        if (n !== "\"" && n !== "\\") this.fail()
        out += n
      } else if (c === "\"") {
        return out
      } else {
        const code = c.charCodeAt(0)
        if (code < 0x20 || code > 0x7e) this.fail()
        out += c
      }
    }
    return this.fail()
  }
  bytes(): Uint8Array {
    const end = this.s.indexOf(":", this.i + 1)
    if (end < 0) this.fail()
    const b64 = this.s.slice(this.i + 1, end)
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) this.fail()
    this.i = end + 1
    return new Uint8Array(Buffer.from(b64, "base64"))
  }
  integer(): number {
    const m = /^-?[0-9]{1,15}/.exec(this.s.slice(this.i, this.i + 16))
    if (m === null) this.fail()
    if (this.s[this.i + m[0].length] === ".") this.fail() // decimals are not used by RFC 9421
    this.i += m[0].length
    return Number(m[0])
  }
  params(): Params {
    const out: Array<readonly [string, BareItem]> = []
    while (this.s[this.i] === ";") {
      this.i++
      this.sp()
      const k = this.key()
      let v: BareItem = true
      if (this.s[this.i] === "=") {
        this.i++
        v = this.bare()
      }
      out.push([k, v])
    }
    return out
  }
  item(): Item {
    const value = this.bare()
    return { value, params: this.params() }
  }
  member(): Member {
    if (this.s[this.i] !== "(") return this.item()
    this.i++
    const items: Array<Item> = []
    for (;;) {
      this.sp()
      if (this.s[this.i] === ")") {
        this.i++
        return { items, params: this.params() }
      }
      if (this.i >= this.s.length) this.fail()
      items.push(this.item())
      const c = this.s[this.i]
      if (c !== " " && c !== ")") this.fail()
    }
  }
  dictionary(): Map<string, Member> {
    const out = new Map<string, Member>()
    this.sp()
    while (this.i < this.s.length) {
      const k = this.key()
      let m: Member
      if (this.s[this.i] === "=") {
        this.i++
        m = this.member()
      } else {
        m = { value: true, params: this.params() }
      }
      out.set(k, m)
      this.ows()
      if (this.i >= this.s.length) return out
      if (this.s[this.i] !== ",") this.fail()
      this.i++
      this.ows()
      if (this.i >= this.s.length) this.fail()
    }
    return out
  }
}

const parseError = new Error("structured field parse error")

/**
 * Parses a dictionary field; `undefined` when malformed.
 *
 * @internal
 */
export const parseDictionary = (input: string): Map<string, Member> | undefined => {
  if (input.length > 16_384) return undefined
  try {
    return new Parser(input).dictionary()
  } catch {
    return undefined
  }
}

const serializeBare = (v: BareItem): string => {
  if (typeof v === "string") return `"${v.replace(/[\\"]/g, (c) => `\\${c}`)}"`
  if (typeof v === "number") return String(Math.trunc(v))
  if (typeof v === "boolean") return v ? "?1" : "?0"
  if (v instanceof Token) return v.value
  return `:${Buffer.from(v).toString("base64")}:`
}

/** @internal */
export const serializeParams = (params: Params): string =>
  params.map(([k, v]) => (v === true ? `;${k}` : `;${k}=${serializeBare(v)}`)).join("")

/** @internal */
export const serializeItem = (item: Item): string => serializeBare(item.value) + serializeParams(item.params)

/** @internal */
export const serializeInnerList = (list: InnerList): string =>
  `(${list.items.map(serializeItem).join(" ")})${serializeParams(list.params)}`
