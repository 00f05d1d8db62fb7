/// The OpenAPI 3 description of the master's operator endpoints and its JSON scheduler API
/// (`GET /openapi.json`); the API fuzzer (`make fuzz`) generates its requests from it.
enum MasterOpenAPI {
    static let document = #"""
    {
      "openapi": "3.0.3",
      "info": {"title": "agora-master (operator endpoints, Mesos v1 scheduler API in JSON)", "version": "0.1.0"},
      "paths": {
        "/health": {"get": {"responses": {"200": {"description": "OK"}}}},
        "/version": {"get": {"responses": {"200": {"description": "the version", "content": {"application/json": {"schema": {"type": "object", "required": ["version"]}}}}}}},
        "/metrics": {"get": {"responses": {"200": {"description": "Prometheus text"}}}},
        "/state": {"get": {"responses": {"200": {"description": "agents, frameworks and tasks", "content": {"application/json": {"schema": {"type": "object", "required": ["agents", "frameworks"]}}}}}}},
        "/tasks/kill": {
          "post": {
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["task_id"], "properties": {"task_id": {"type": "string"}, "framework_id": {"type": "string"}}}}}},
            "responses": {"202": {"description": "kill sent"}, "400": {"description": "bad request"}, "401": {"description": "credentials needed"}, "403": {"description": "not allowed"}, "404": {"description": "no such task"}, "409": {"description": "ambiguous task id"}}
          }
        },
        "/teardown": {
          "post": {
            "requestBody": {"required": true, "content": {"application/x-www-form-urlencoded": {"schema": {"type": "object", "required": ["frameworkId"], "properties": {"frameworkId": {"type": "string"}}}}}},
            "responses": {"200": {"description": "torn down"}, "400": {"description": "bad request or unknown framework"}, "401": {"description": "credentials needed"}, "403": {"description": "not allowed"}}
          }
        },
        "/api/v1/scheduler": {
          "post": {
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Call"}}}},
            "responses": {"200": {"description": "SUBSCRIBED: a RecordIO stream of events"}, "202": {"description": "accepted"}, "400": {"description": "bad call"}, "401": {"description": "credentials needed"}, "403": {"description": "not allowed"}, "415": {"description": "unsupported media type"}}
          }
        },
        "/api/v1/agent": {
          "post": {
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "properties": {"type": {"type": "string", "enum": ["SUBSCRIBE", "UPDATE", "PONG"]}, "agent_id": {"$ref": "#/components/schemas/Id"}, "token": {"type": "string"}, "subscribe": {"type": "object", "properties": {"agent_info": {"type": "object", "required": ["hostname"], "properties": {"hostname": {"type": "string"}, "resources": {"type": "array", "items": {"$ref": "#/components/schemas/Resource"}}}}}}}}}}},
            "responses": {"200": {"description": "SUBSCRIBED: a RecordIO stream of events"}, "202": {"description": "accepted"}, "400": {"description": "bad call"}, "401": {"description": "credentials needed"}, "403": {"description": "not allowed"}}
          }
        }
      },
      "components": {
        "schemas": {
          "Id": {"type": "object", "required": ["value"], "properties": {"value": {"type": "string"}}},
          "Resource": {
            "type": "object", "required": ["name", "type"],
            "properties": {
              "name": {"type": "string"},
              "type": {"type": "string", "enum": ["SCALAR", "RANGES", "SET"]},
              "scalar": {"type": "object", "required": ["value"], "properties": {"value": {"type": "number", "minimum": 0, "maximum": 1e12}}},
              "ranges": {"type": "object", "properties": {"range": {"type": "array", "items": {"type": "object", "required": ["begin", "end"], "properties": {"begin": {"type": "integer", "minimum": 0}, "end": {"type": "integer", "minimum": 0}}}}}},
              "set": {"type": "object", "properties": {"item": {"type": "array", "items": {"type": "string"}}}}
            }
          },
          "Call": {
            "type": "object", "required": ["type"],
            "properties": {
              "type": {"type": "string", "enum": ["SUBSCRIBE", "TEARDOWN", "ACCEPT", "DECLINE", "REVIVE", "KILL", "SHUTDOWN", "ACKNOWLEDGE", "RECONCILE", "MESSAGE", "REQUEST", "SUPPRESS"]},
              "framework_id": {"$ref": "#/components/schemas/Id"},
              "subscribe": {"type": "object", "properties": {"framework_info": {"type": "object", "required": ["user", "name"], "properties": {"user": {"type": "string"}, "name": {"type": "string"}, "failover_timeout": {"type": "number", "minimum": 0, "maximum": 315360000}, "roles": {"type": "array", "items": {"type": "string"}}, "principal": {"type": "string"}}}}},
              "decline": {"type": "object", "properties": {"offer_ids": {"type": "array", "items": {"$ref": "#/components/schemas/Id"}}, "filters": {"type": "object", "properties": {"refuse_seconds": {"type": "number"}}}}},
              "kill": {"type": "object", "properties": {"task_id": {"$ref": "#/components/schemas/Id"}}},
              "reconcile": {"type": "object", "properties": {"tasks": {"type": "array", "items": {"type": "object"}}}}
            }
          }
        }
      }
    }
    """#
}
