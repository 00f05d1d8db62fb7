#!/usr/bin/env python3
"""Writes the direct Swift <-> protobuf-c and Swift <-> JSON codecs of every AgoraWire message.

Inputs: the protobuf-c code protoc-c made from proto/ (Sources/AgoraProto: message, field and enum
descriptors) and the Swift message types in Sources/AgoraWire (structs declaring `protoName`, their
stored properties, their String-backed enums). Output: one Swift file of extensions that fill and read
the generated C structs field by field and write and read the Mesos JSON mapping, with no Codable and
no intermediate representation. Run by scripts/generate-proto; `make check-proto` fails when stale.
"""
import os
import re
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), ".."))
PROTO_C = os.path.join(ROOT, "Sources/AgoraProto")
WIRE = os.path.join(ROOT, "Sources/AgoraWire")
OUT = os.path.join(WIRE, "Generated/WireCodecs.swift")

SWIFT_KEYWORDS = {
    "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import", "init",
    "inout", "internal", "let", "open", "operator", "private", "protocol", "public", "rethrows", "static",
    "struct", "subscript", "typealias", "var", "break", "case", "continue", "default", "defer", "do", "else",
    "fallthrough", "for", "guard", "if", "in", "repeat", "return", "switch", "where", "while", "as", "Any",
    "catch", "false", "is", "nil", "super", "self", "Self", "throw", "throws", "true", "try", "type",
}

INTEGER_C_TYPES = {
    "INT32": "Int32", "SINT32": "Int32", "SFIXED32": "Int32",
    "INT64": "Int64", "SINT64": "Int64", "SFIXED64": "Int64",
    "UINT32": "UInt32", "FIXED32": "UInt32", "UINT64": "UInt64", "FIXED64": "UInt64",
}
SWIFT_INTEGERS = {"Int", "Int32", "Int64", "UInt", "UInt32", "UInt64"}


def fail(message):
    sys.exit(f"generate-wire-codecs: {message}")


def ident(name):
    return f"`{name}`" if name in SWIFT_KEYWORDS else name


# MARK: protobuf-c descriptors


class ProtoField:
    def __init__(self, name, number, label, ptype, member, ref, flags):
        self.name, self.number, self.label, self.ptype = name, number, label, ptype
        self.member, self.ref, self.flags = member, ref, flags

    @property
    def repeated(self):
        return self.label == "REPEATED"


def read_proto_descriptors():
    messages, enums, field_arrays, enum_values = {}, {}, {}, {}
    for directory, _, files in os.walk(PROTO_C):
        for file in sorted(files):
            if not file.endswith(".pb-c.c"):
                continue
            text = re.sub(r"/\*.*?\*/", "", open(os.path.join(directory, file)).read(), flags=re.S)
            for match in re.finditer(
                    r"static const ProtobufCFieldDescriptor (\w+)\[\d+\] =\s*\{(.*?)\n\};", text, re.S):
                fields = []
                for entry in re.finditer(
                        r'\{\s*"(\w+)",\s*(\d+),\s*PROTOBUF_C_LABEL_(\w+),\s*PROTOBUF_C_TYPE_(\w+),\s*'
                        r'(?:offsetof\(\w+, \w+\)|[^,]+),\s*offsetof\(\w+, (\w+)\),\s*([^,]+),\s*[^,]+,\s*([^,]+),', match.group(2)):
                    name, number, label, ptype, member, ref, flags = entry.groups()
                    ref = ref.strip()
                    ref = None if ref == "NULL" else ref.lstrip("&").removesuffix("__descriptor")
                    fields.append(ProtoField(name, int(number), label, ptype, member, ref, flags.strip()))
                field_arrays[match.group(1)] = fields
            for match in re.finditer(
                    r"static const ProtobufCEnumValue (\w+)__enum_values_by_number\[\d+\] =\s*\{(.*?)\n\};", text, re.S):
                enum_values[match.group(1)] = [
                    (name, int(number)) for name, number in
                    re.findall(r'\{ "(\w+)", "\w+", (-?\d+) \}', match.group(2))]
            for match in re.finditer(
                    r'const ProtobufCMessageDescriptor (\w+)__descriptor =\s*\{\s*PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC,'
                    r'\s*"([\w.]+)",\s*"\w+",\s*"(\w+)",\s*"[\w.]*",\s*sizeof\(\w+\),\s*(\d+),\s*(\w+|NULL),', text):
                prefix, full, ctype, count, array = match.groups()
                messages[prefix] = {"full": full, "ctype": ctype, "fields_array": array, "count": int(count)}
            for match in re.finditer(
                    r'const ProtobufCEnumDescriptor (\w+)__descriptor =\s*\{\s*PROTOBUF_C__ENUM_DESCRIPTOR_MAGIC,'
                    r'\s*"([\w.]+)",\s*"\w+",\s*"(\w+)",', text):
                prefix, full, ctype = match.groups()
                enums[prefix] = {"full": full, "ctype": ctype}
    for prefix, message in messages.items():
        message["fields"] = field_arrays.get(message["fields_array"], [])
        if len(message["fields"]) != message["count"]:
            fail(f"read {len(message['fields'])} of the {message['count']} fields of {message['full']}")
        for field in message["fields"]:
            if "ONEOF" in field.flags:
                fail(f"{message['full']}.{field.name}: oneof fields are not supported")
    for prefix, enum in enums.items():
        enum["values"] = enum_values[prefix]
    by_full = {m["full"]: dict(m, prefix=p) for p, m in messages.items()}
    return messages, enums, by_full


# MARK: Swift declarations


class SwiftType:
    def __init__(self, kind, path):
        self.kind, self.path = kind, path
        self.proto_name = None
        self.properties = []  # (name, type text)
        self.cases = []  # (case name, raw value)
        self.validating = False

    @property
    def name(self):
        return ".".join(self.path)


def strip_strings(line):
    return re.sub(r'"(\\.|[^"\\])*"', '""', line)


def read_swift_types():
    types = {}
    validating = set()
    for file in sorted(os.listdir(WIRE)):
        if not file.endswith(".swift"):
            continue
        stack = []  # (SwiftType or extension path, body depth)
        depth = 0
        pending = None
        for raw in open(os.path.join(WIRE, file)):
            line = raw.split("//")[0] if raw.strip().startswith("//") else raw
            code = strip_strings(line)
            code = re.sub(r"\s//.*$", "", code)
            scope = stack[-1] if stack else None
            declaration = re.match(
                r"\s*(?:(?:public|private|fileprivate|internal|final|indirect)\s+)*(struct|enum|extension|class)\s+"
                r"([\w.]+)\s*(?::\s*([^{]*))?\{?", code)
            if declaration:
                kind, name, conformances = declaration.groups()
                conformances = conformances or ""
                outer = scope[0].path if scope and isinstance(scope[0], SwiftType) else (scope[0] if scope else [])
                if kind == "extension":
                    path = name.split(".")
                    if "WireValidating" in conformances:
                        validating.add(".".join(path))
                    pending = path
                else:
                    swift_type = SwiftType(kind, list(outer) + [name])
                    swift_type.raw_string = kind == "enum" and re.match(r"\s*String\b", conformances) is not None
                    if "WireValidating" in conformances:
                        validating.add(swift_type.name)
                    types[swift_type.name] = swift_type
                    pending = swift_type
            elif scope and depth == scope[1] and isinstance(scope[0], SwiftType):
                owner = scope[0]
                if owner.kind == "struct":
                    proto = re.match(r'\s*(?:public\s+)?static let protoName = "([\w.]+)"', line)
                    stored = re.match(
                        r"\s*(?:(?:public|internal|private\(set\)|public private\(set\))\s+)*(var|let)\s+"
                        r"(`?\w+`?)\s*:\s*([^={]+?)\s*(=.*)?$", code)
                    if proto:
                        owner.proto_name = proto.group(1)
                    elif stored and "static" not in code.split(stored.group(1))[0] and "{" not in code:
                        owner.properties.append((stored.group(2).strip("`"), stored.group(3).strip()))
                elif owner.kind == "enum":
                    for case_name, raw_value in re.findall(r'(?:case|,)\s*(`?\w+`?)\s*=\s*"([^"]*)"', line):
                        owner.cases.append((case_name.strip("`"), raw_value))
            opened, closed = code.count("{"), code.count("}")
            if opened and pending is not None:
                depth += 1
                stack.append((pending, depth))
                pending = None
                depth += opened - 1
                depth -= closed
            else:
                depth += opened - closed
            while stack and depth < stack[-1][1]:
                stack.pop()
    for name in validating:
        if name in types:
            types[name].validating = True
    return types


def read_identifiers():
    """`typealias AgentID = Identifier<AgentIDKind>` with `AgentIDKind.protoName`: alias -> proto name."""
    text = "".join(open(os.path.join(WIRE, f)).read() for f in sorted(os.listdir(WIRE)) if f.endswith(".swift"))
    kinds = dict(re.findall(r'enum (\w+): IdentifierKind \{ public static let protoName = "([\w.]+)" \}', text))
    return {alias: kinds[kind] for alias, kind in re.findall(r"typealias (\w+) = Identifier<(\w+)>", text)}


def resolve(types, scope, written):
    parts = written.split(".")
    for cut in range(len(scope), -1, -1):
        candidate = ".".join(scope[:cut] + parts)
        if candidate in types:
            return types[candidate]
    return None


# MARK: matching Swift properties to proto fields


def loose(name):
    return name.lower().replace("_", "")


class Binding:
    """One Swift stored property bound to one proto field."""

    def __init__(self, prop, swift_type, field, optional, element, target):
        self.prop, self.swift_type, self.field = prop, swift_type, field
        self.optional, self.element, self.target = optional, element, target
        self.identifier = None  # the C init function when the element is an `Identifier` alias


class IdentifierAlias:
    def __init__(self, name, proto_name):
        self.name, self.proto_name, self.kind = name, proto_name, "identifier"


def bind(owner, message, types, identifiers, messages, enums, by_full):
    fields_by_loose = {}
    for field in message["fields"]:
        fields_by_loose.setdefault(loose(field.name), field)
    bindings = []
    for prop, written in owner.properties:
        field = fields_by_loose.get(loose(prop))
        if field is None:
            fail(f"{owner.name}.{prop} has no field in {message['full']}")
        text = written
        optional = text.endswith("?")
        text = text.rstrip("?")
        array = text.startswith("[") and text.endswith("]")
        element = text[1:-1] if array else text
        if field.ptype == "BYTES" and not field.repeated and text == "[UInt8]":
            array, element = False, "[UInt8]"
        if array != field.repeated:
            fail(f"{owner.name}.{prop}: {written} does not match the {field.label.lower()} field {field.name}")
        if array and optional:
            fail(f"{owner.name}.{prop}: optional arrays are not supported")
        target = None
        identifier = None
        if field.ptype == "MESSAGE" and element in identifiers:
            nested = messages[field.ref]
            target = IdentifierAlias(element, identifiers[element])
            if target.proto_name != nested["full"]:
                fail(f"{owner.name}.{prop}: {element} is not the Swift type of {nested['full']}")
            shape = [(f.name, f.label, f.ptype) for f in nested["fields"]]
            if shape != [("value", "REQUIRED", "STRING")]:
                fail(f"{nested['full']} is not an id message (one required string `value`)")
            identifier = f"{field.ref}__init"
        elif field.ptype == "MESSAGE":
            target = resolve(types, owner.path, element)
            nested = messages[field.ref]["full"]
            if target is None or target.proto_name != nested:
                fail(f"{owner.name}.{prop}: {element} is not the Swift type of {nested}")
        elif field.ptype == "ENUM":
            target = resolve(types, owner.path, element)
            proto_enum = enums[field.ref]
            if target is None or target.kind != "enum" or not target.raw_string:
                fail(f"{owner.name}.{prop}: {element} is not a String-backed enum for {proto_enum['full']}")
            names = {name for name, _ in proto_enum["values"]}
            for case_name, raw in target.cases:
                if raw not in names:
                    fail(f"{target.name}.{case_name} = \"{raw}\" is not a value of {proto_enum['full']}")
            target.proto_enum = proto_enum
        elif field.ptype == "STRING":
            if element != "String":
                fail(f"{owner.name}.{prop}: a string field needs String, not {element}")
        elif field.ptype == "BYTES":
            if element != "[UInt8]":
                fail(f"{owner.name}.{prop}: a bytes field needs [UInt8], not {element}")
        elif field.ptype == "BOOL":
            if element != "Bool":
                fail(f"{owner.name}.{prop}: a bool field needs Bool, not {element}")
        elif field.ptype in ("DOUBLE", "FLOAT"):
            if element not in ("Double", "Float"):
                fail(f"{owner.name}.{prop}: a {field.ptype.lower()} field needs Double or Float, not {element}")
        elif field.ptype in INTEGER_C_TYPES:
            if element not in SWIFT_INTEGERS:
                fail(f"{owner.name}.{prop}: an integer field needs a Swift integer, not {element}")
        else:
            fail(f"{owner.name}.{prop}: proto type {field.ptype} is not supported")
        binding = Binding(prop, written, field, optional, element, target)
        binding.identifier = identifier
        bindings.append(binding)
    order = {field.name: index for index, field in enumerate(message["fields"])}
    bindings.sort(key=lambda b: order[b.field.name])
    return bindings


# MARK: Swift output


class Writer:
    def __init__(self):
        self.lines = []
        self.level = 0

    def __call__(self, text=""):
        self.lines.append(("    " * self.level + text) if text else "")

    def indent(self):
        self.level += 1

    def dedent(self):
        self.level -= 1


def c_member(binding):
    return ident(binding.field.member)


def swift_element_type(binding):
    return binding.target.name if binding.target is not None else binding.element


def to_c_value(binding, value):
    """A Swift expression turning `value` (one element) into the C field's representation."""
    ptype = binding.field.ptype
    if binding.identifier:
        return f"try arena.identifier({value}, {binding.identifier})"
    if ptype == "MESSAGE":
        return f"try arena.message({value})"
    if ptype == "STRING":
        return f"try arena.string({value})"
    if ptype == "BYTES":
        return f"arena.bytes({value})"
    if ptype == "ENUM":
        return f".init(rawValue: .init(truncatingIfNeeded: {value}.protoNumber))"
    if ptype == "BOOL":
        return f"{value} ? 1 : 0"
    if ptype == "DOUBLE":
        return f"Double({value})"
    if ptype == "FLOAT":
        return f"Float({value})"
    return f"try WireConversion.exact({value}, as: {INTEGER_C_TYPES[ptype]}.self, proto: \"{ptype.lower()}\")"


def from_c_value(binding, value):
    """A Swift expression reading one C value as the Swift property's element type."""
    ptype = binding.field.ptype
    swift = swift_element_type(binding)
    if binding.identifier:
        return f"try {swift}(cIdentifier: WireConversion.present({value}))"
    if ptype == "MESSAGE":
        return f"try {swift}(cMessage: WireConversion.present({value}))"
    if ptype == "STRING":
        return f"try WireConversion.string({value})"
    if ptype == "BYTES":
        return f"WireConversion.bytes({value})"
    if ptype == "ENUM":
        return f"try {swift}(protoNumber: Int32(truncatingIfNeeded: {value}.rawValue))"
    if ptype == "BOOL":
        return f"{value} != 0"
    if ptype in ("DOUBLE", "FLOAT"):
        return f"{swift}({value})"
    return f"try WireConversion.exact({value}, as: {swift}.self, proto: \"{swift}\")"


def json_write_value(binding, value):
    ptype = binding.field.ptype
    if ptype == "MESSAGE":
        return f"try {value}.writeJSON(to: &json)"
    if ptype == "STRING":
        return f"json.string({value})"
    if ptype == "BYTES":
        return f"json.base64({value})"
    if ptype == "ENUM":
        return f"json.string({value}.rawValue)"
    if ptype == "BOOL":
        return f"json.bool({value})"
    if ptype in ("DOUBLE", "FLOAT"):
        return f"try json.double(Double({value}))"
    return f"json.integer({value})"


def json_read_value(binding):
    ptype = binding.field.ptype
    swift = swift_element_type(binding)
    if ptype == "MESSAGE":
        return f"try {swift}(json: &json)"
    if ptype == "STRING":
        return "try json.readString()"
    if ptype == "BYTES":
        return "try json.readBase64()"
    if ptype == "ENUM":
        return f"try json.readEnum({swift}.self)"
    if ptype == "BOOL":
        return "try json.readBool()"
    if ptype == "FLOAT":
        return f"{swift}(Float(try json.readDouble()))"
    if ptype == "DOUBLE":
        return f"{swift}(try json.readDouble())"
    proto = INTEGER_C_TYPES[ptype]
    return (f"try WireConversion.exact(json.readInteger({proto}.self, proto: \"{ptype.lower()}\"), "
            f"as: {swift}.self, proto: \"{swift}\")")


def throws_in_c(binding):
    return binding.field.ptype in ("MESSAGE", "STRING") or binding.field.ptype in INTEGER_C_TYPES


def guarded(out, binding, statement, can_throw=True):
    """Emits `statement`, naming the field in any error it throws."""
    if not can_throw:
        out(statement)
        return
    out(f"do {{ {statement} }} catch {{ throw error.within(field: \"{binding.field.name}\") }}")


def emit_enum(out, swift_enum):
    proto_enum = swift_enum.proto_enum
    numbers = dict(proto_enum["values"])
    out(f"extension {swift_enum.name}: ProtoEnum {{")
    out.indent()
    out(f"static let protoEnumName = \"{proto_enum['full']}\"")
    out()
    out("init(protoNumber: Int32) throws(WireError) {")
    out.indent()
    out("switch protoNumber {")
    seen = set()
    for case_name, raw in swift_enum.cases:
        number = numbers[raw]
        if number in seen:
            continue
        seen.add(number)
        out(f"case {number}: self = .{ident(case_name)}")
    out("default: throw Self.refusal(number: protoNumber)")
    out("}")
    out.dedent()
    out("}")
    out()
    out("var protoNumber: Int32 {")
    out.indent()
    out("switch self {")
    for case_name, raw in swift_enum.cases:
        out(f"case .{ident(case_name)}: {numbers[raw]}")
    out("}")
    out.dedent()
    out("}")
    out()
    out("static func protoName(of number: Int32) -> String? {")
    out.indent()
    out("switch number {")
    seen = set()
    for name, number in proto_enum["values"]:
        if number in seen:
            continue
        seen.add(number)
        out(f"case {number}: \"{name}\"")
    out("default: nil")
    out("}")
    out.dedent()
    out("}")
    out()
    out("static func protoNumber(named name: String) -> Int32? {")
    out.indent()
    out("switch name {")
    for name, number in proto_enum["values"]:
        out(f"case \"{name}\": {number}")
    out("default: nil")
    out("}")
    out.dedent()
    out("}")
    out.dedent()
    out("}")
    out()


def emit_validation(out, swift_type):
    """Ends an init with the type's own checks, read through a pointer: `try validate()` on an init's
    `self` made the compiled code copy the whole value (every reference retained, then released)."""
    if swift_type.validating:
        out("try withUnsafePointer(to: &self) { (value) throws(WireError) in try value.pointee.validate() }")


def emit_message(out, swift_type, message, bindings):
    ctype, prefix = message["ctype"], message["prefix"]
    out(f"extension {swift_type.name}: ProtobufCMessageConvertible {{")
    out.indent()
    out(f"typealias CMessage = {ctype}")
    out()
    out(f"static func cInitialize(_ message: UnsafeMutablePointer<{ctype}>) {{ {prefix}__init(message) }}")
    out(f"nonisolated(unsafe) static let cDescriptor = WireConversion.descriptor(of: {ctype}.self, initialize: {prefix}__init)")
    defaults = [b for b in bindings if b.field.ptype == "STRING" and b.field.label == "OPTIONAL"]
    for binding in defaults:
        out(f"nonisolated(unsafe) private static let {binding.prop}CDefault = WireConversion.initialValue(of: {ctype}.self, "
            f"initialize: {prefix}__init) {{ UnsafeRawPointer($0.{c_member(binding)}) }}")
    out()

    # C fill
    out(f"func cFill(_ c: UnsafeMutablePointer<{ctype}>, in arena: ProtobufCArena) throws(WireError) {{")
    out.indent()
    for binding in bindings:
        field, member = binding.field, c_member(binding)
        name = ident(binding.prop)
        if field.repeated:
            guarded(out, binding,
                    f"(c.pointee.n_{field.member}, c.pointee.{member}) = try arena.list({name}) "
                    f"{{ (item) throws(WireError) in {to_c_value(binding, 'item')} }}")
            continue
        has = (field.label == "OPTIONAL" and field.ptype not in ("STRING", "MESSAGE"))
        value = "value" if binding.optional else f"self.{name}"
        statements = [f"c.pointee.{member} = {to_c_value(binding, value)}"]
        if has:
            statements.append(f"c.pointee.has_{field.member} = 1")
        if binding.optional:
            out(f"if let value = self.{name} {{")
            out.indent()
        for statement in statements:
            guarded(out, binding, statement, can_throw=throws_in_c(binding) and statement == statements[0])
        if binding.optional:
            out.dedent()
            out("}")
    out.dedent()
    out("}")
    out()

    # C read
    out(f"init(cMessage c: UnsafePointer<{ctype}>) throws(WireError) {{")
    out.indent()
    for binding in bindings:
        field, member = binding.field, c_member(binding)
        name = ident(binding.prop)
        if field.repeated:
            guarded(out, binding,
                    f"self.{name} = try WireConversion.list(c.pointee.n_{field.member}, c.pointee.{member}) "
                    f"{{ (item) throws(WireError) in {from_c_value(binding, 'item')} }}")
            continue
        read = from_c_value(binding, f"c.pointee.{member}")
        if field.label == "REQUIRED":
            presence = None
        elif field.ptype == "STRING":
            presence = f"WireConversion.isSet(c.pointee.{member}, default: Self.{binding.prop}CDefault)"
        elif field.ptype == "MESSAGE":
            presence = f"c.pointee.{member} != nil"
        else:
            presence = f"c.pointee.has_{field.member} != 0"
        can_throw = "try" in read
        if presence is None:
            guarded(out, binding, f"self.{name} = {read}", can_throw)
        elif binding.optional:
            out(f"if {presence} {{")
            out.indent()
            guarded(out, binding, f"self.{name} = {read}", can_throw)
            out.dedent()
            out("} else {")
            out.indent()
            out(f"self.{name} = nil")
            out.dedent()
            out("}")
        else:
            out(f"guard {presence} else {{ throw WireError(.missingRequiredField, field: \"{field.name}\", "
                f"\"field is missing\") }}")
            guarded(out, binding, f"self.{name} = {read}", can_throw)
    emit_validation(out, swift_type)
    out.dedent()
    out("}")
    out()

    # JSON write
    out("public func writeJSON(to json: inout JSONWriter) throws(WireError) {")
    out.indent()
    out("json.beginObject()")
    for binding in bindings:
        field = binding.field
        name = ident(binding.prop)
        key = f"json.field(\"{field.name}\")"
        can_throw = "try" in json_write_value(binding, "x")
        if field.repeated:
            out(f"if !self.{name}.isEmpty {{")
            out.indent()
            out(key)
            guarded(out, binding,
                    f"try json.array(self.{name}) {{ (json, item) throws(WireError) in "
                    f"{json_write_value(binding, 'item')} }}")
            out.dedent()
            out("}")
        elif binding.optional:
            out(f"if let value = self.{name} {{")
            out.indent()
            out(key)
            guarded(out, binding, json_write_value(binding, "value"), can_throw)
            out.dedent()
            out("}")
        else:
            out(key)
            guarded(out, binding, json_write_value(binding, f"self.{name}"), can_throw)
    out("json.endObject()")
    out.dedent()
    out("}")
    out()

    # JSON read
    names = ", ".join(f"\"{b.field.name}\"" for b in bindings)
    out(f"private static let jsonFields = JSONFieldTable([{names}])")
    out()
    out("public init(json: inout JSONReader) throws(WireError) {")
    out.indent()
    for binding in bindings:
        swift = swift_element_type(binding)
        if binding.field.repeated:
            out(f"var {ident(binding.prop)}: [{swift}] = []")
        else:
            out(f"var {ident(binding.prop)}: {swift}? = nil")
    out("try json.beginObject()")
    out("while let field = try json.nextField(Self.jsonFields) {")
    out.indent()
    out("switch field {")
    for index, binding in enumerate(bindings):
        if binding.field.repeated:
            statement = (f"{ident(binding.prop)} = try json.readArray {{ (json) throws(WireError) in "
                         f"{json_read_value(binding)} }}")
        else:
            statement = f"{ident(binding.prop)} = {json_read_value(binding)}"
        out(f"case {index}:")
        out.indent()
        guarded(out, binding, statement)
        out.dedent()
    out("default: try json.skipValue()")
    out("}")
    out.dedent()
    out("}")
    for binding in bindings:
        name = ident(binding.prop)
        if binding.field.repeated or binding.optional:
            out(f"self.{name} = {name}")
            continue
        why = "required field is missing" if binding.field.label == "REQUIRED" else "field is missing"
        out(f"guard let {name} else {{ throw WireError(.missingRequiredField, field: \"{binding.field.name}\", "
            f"\"{why}\") }}")
        out(f"self.{name} = {name}")
    emit_validation(out, swift_type)
    out.dedent()
    out("}")
    out()

    # Public entry points
    out("public func protobuf() throws(WireError) -> [UInt8] { try ProtobufCCodec.encode(self) }")
    out("public init(protobuf bytes: [UInt8]) throws(WireError) { self = try ProtobufCCodec.decode(bytes) }")
    out.dedent()
    out("}")
    out()


def main():
    messages, enums, by_full = read_proto_descriptors()
    types = read_swift_types()
    identifiers = read_identifiers()
    out = Writer()
    out("// Generated by scripts/generate-wire-codecs.py from proto/ (via protoc-c) and the message types in this")
    out("// module. Do not edit: change the Swift types or the .proto files and run scripts/generate-proto.")
    out("internal import AgoraProto")
    out()
    wire_types = sorted((t for t in types.values() if t.proto_name), key=lambda t: t.name)
    used_enums = {}
    for swift_type in wire_types:
        message = by_full.get(swift_type.proto_name)
        if message is None:
            fail(f"{swift_type.name}.protoName {swift_type.proto_name} is not in proto/")
        bindings = bind(swift_type, message, types, identifiers, messages, enums, by_full)
        for binding in bindings:
            if binding.field.ptype == "ENUM":
                previous = used_enums.get(binding.target.name)
                if previous is not None and previous["full"] != binding.target.proto_enum["full"]:
                    fail(f"{binding.target.name} stands for both {previous['full']} and {binding.target.proto_enum['full']}")
                used_enums[binding.target.name] = binding.target.proto_enum
        emit_message(out, swift_type, message, bindings)
    for name in sorted(used_enums):
        emit_enum(out, types[name])
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    text = "\n".join(out.lines).rstrip("\n") + "\n"
    with open(OUT, "w") as handle:
        handle.write(text)
    print(f"generated codecs for {len(wire_types)} messages and {len(used_enums)} enums into "
          f"{os.path.relpath(OUT, ROOT)}")


if __name__ == "__main__":
    main()
