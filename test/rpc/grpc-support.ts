import protobuf from "protobufjs"

// The reference for google.rpc error details: protobufjs with the definitions as in the .proto
// files (field names kept), used to encode what a foreign service sends and to check what we send.
const root = protobuf.parse(
  `
syntax = "proto3";
package google.rpc;
message Any { string type_url = 1; bytes value = 2; }
message Status { int32 code = 1; string message = 2; repeated Any details = 3; }
message ErrorInfo { string reason = 1; string domain = 2; map<string, string> metadata = 3; }
message Duration { int64 seconds = 1; int32 nanos = 2; }
message RetryInfo { Duration retry_delay = 1; }
message BadRequest { message FieldViolation { string field = 1; string description = 2; string reason = 3; } repeated FieldViolation field_violations = 1; }
message DebugInfo { repeated string stack_entries = 1; string detail = 2; }
`,
  { keepCase: true }
).root

/** The google.rpc message types. */
export const P = {
  Status: root.lookupType("google.rpc.Status"),
  ErrorInfo: root.lookupType("google.rpc.ErrorInfo"),
  RetryInfo: root.lookupType("google.rpc.RetryInfo"),
  BadRequest: root.lookupType("google.rpc.BadRequest"),
  DebugInfo: root.lookupType("google.rpc.DebugInfo")
}

/** A `google.protobuf.Any` packing `value` as `type`. */
export const any = (type: protobuf.Type, value: object) => ({
  type_url: `type.googleapis.com/${type.fullName.slice(1)}`,
  value: type.encode(type.fromObject(value)).finish()
})
