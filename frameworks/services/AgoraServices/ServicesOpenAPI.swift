/// The OpenAPI 3 description of the Marathon v2 API this framework serves (`GET /openapi.json`); the API fuzzer
/// (`make fuzz`) generates its requests from it.
enum ServicesOpenAPI {
    static let document = #"""
    {
      "openapi": "3.0.3",
      "info": {"title": "agora-services (Marathon v2 API)", "version": "1.11.0"},
      "paths": {
        "/ping": {"get": {"responses": {"200": {"description": "pong"}}}},
        "/metrics": {"get": {"responses": {"200": {"description": "Prometheus text"}}}},
        "/v2/info": {"get": {"responses": {"200": {"description": "framework information", "content": {"application/json": {"schema": {"type": "object"}}}}}}},
        "/v2/leader": {"get": {"responses": {"200": {"description": "the leader", "content": {"application/json": {"schema": {"type": "object", "required": ["leader"]}}}}}}},
        "/v2/apps": {
          "get": {
            "parameters": [
              {"name": "id", "in": "query", "schema": {"type": "string"}},
              {"name": "embed", "in": "query", "schema": {"type": "string", "enum": ["apps.tasks", "app.tasks"]}}
            ],
            "responses": {"200": {"description": "apps", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AppList"}}}}}
          },
          "post": {
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/App"}}}},
            "responses": {
              "201": {"description": "created", "content": {"application/json": {"schema": {"type": "object"}}}},
              "400": {"$ref": "#/components/responses/Invalid"},
              "409": {"$ref": "#/components/responses/Message"},
              "422": {"$ref": "#/components/responses/Invalid"}
            }
          },
          "put": {
            "parameters": [{"name": "force", "in": "query", "schema": {"type": "boolean"}}],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/App"}}}}},
            "responses": {
              "200": {"$ref": "#/components/responses/Deployment"},
              "400": {"$ref": "#/components/responses/Invalid"},
              "422": {"$ref": "#/components/responses/Invalid"}
            }
          }
        },
        "/v2/apps/{appId}": {
          "parameters": [{"$ref": "#/components/parameters/AppId"}],
          "get": {"responses": {"200": {"description": "the app", "content": {"application/json": {"schema": {"type": "object", "required": ["app"]}}}}, "404": {"$ref": "#/components/responses/Message"}}},
          "put": {
            "parameters": [{"name": "force", "in": "query", "schema": {"type": "boolean"}}],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/App"}}}},
            "responses": {
              "200": {"$ref": "#/components/responses/Deployment"},
              "201": {"$ref": "#/components/responses/Deployment"},
              "400": {"$ref": "#/components/responses/Invalid"},
              "409": {"$ref": "#/components/responses/Message"},
              "422": {"$ref": "#/components/responses/Invalid"}
            }
          },
          "delete": {"responses": {"200": {"$ref": "#/components/responses/Deployment"}, "404": {"$ref": "#/components/responses/Message"}}}
        },
        "/v2/apps/{appId}/restart": {
          "parameters": [{"$ref": "#/components/parameters/AppId"}],
          "post": {"responses": {"200": {"$ref": "#/components/responses/Deployment"}, "404": {"$ref": "#/components/responses/Message"}, "409": {"$ref": "#/components/responses/Message"}}}
        },
        "/v2/apps/{appId}/tasks": {
          "parameters": [{"$ref": "#/components/parameters/AppId"}],
          "get": {"responses": {"200": {"description": "tasks", "content": {"application/json": {"schema": {"type": "object", "required": ["tasks"]}}}}, "404": {"$ref": "#/components/responses/Message"}}},
          "delete": {
            "parameters": [{"name": "scale", "in": "query", "schema": {"type": "boolean"}}, {"name": "host", "in": "query", "schema": {"type": "string"}}],
            "responses": {"200": {"description": "killed", "content": {"application/json": {"schema": {"type": "object"}}}}, "404": {"$ref": "#/components/responses/Message"}}
          }
        },
        "/v2/apps/{appId}/versions": {
          "parameters": [{"$ref": "#/components/parameters/AppId"}],
          "get": {"responses": {"200": {"description": "versions", "content": {"application/json": {"schema": {"type": "object", "required": ["versions"]}}}}, "404": {"$ref": "#/components/responses/Message"}}}
        },
        "/v2/tasks": {"get": {"responses": {"200": {"description": "tasks", "content": {"application/json": {"schema": {"type": "object", "required": ["tasks"]}}}}}}},
        "/v2/tasks/delete": {
          "post": {
            "parameters": [{"name": "scale", "in": "query", "schema": {"type": "boolean"}}],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["ids"], "properties": {"ids": {"type": "array", "items": {"type": "string"}}}}}}},
            "responses": {"200": {"description": "killed", "content": {"application/json": {"schema": {"type": "object"}}}}, "400": {"$ref": "#/components/responses/Invalid"}, "404": {"$ref": "#/components/responses/Message"}}
          }
        },
        "/v2/deployments": {"get": {"responses": {"200": {"description": "deployments", "content": {"application/json": {"schema": {"type": "array"}}}}}}},
        "/v2/deployments/{deploymentId}": {
          "parameters": [{"name": "deploymentId", "in": "path", "required": true, "schema": {"type": "string"}}],
          "delete": {
            "parameters": [{"name": "force", "in": "query", "schema": {"type": "boolean"}}],
            "responses": {"200": {"$ref": "#/components/responses/Deployment"}, "202": {"description": "cancelled"}, "404": {"$ref": "#/components/responses/Message"}}
          }
        },
        "/v2/queue": {"get": {"responses": {"200": {"description": "queue", "content": {"application/json": {"schema": {"type": "object", "required": ["queue"]}}}}}}},
        "/v2/queue/{appId}/delay": {
          "parameters": [{"$ref": "#/components/parameters/AppId"}],
          "delete": {"responses": {"204": {"description": "delay reset"}, "404": {"$ref": "#/components/responses/Message"}}}
        }
      },
      "components": {
        "parameters": {
          "AppId": {"name": "appId", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[a-z0-9][a-z0-9.-]*$"}}
        },
        "responses": {
          "Message": {"description": "an error", "content": {"application/json": {"schema": {"type": "object", "required": ["message"], "properties": {"message": {"type": "string"}}}}}},
          "Invalid": {"description": "an invalid request, with the path of each problem", "content": {"application/json": {"schema": {"type": "object", "required": ["message"], "properties": {"message": {"type": "string"}, "details": {"type": "array", "items": {"type": "object", "properties": {"path": {"type": "string"}, "errors": {"type": "array", "items": {"type": "string"}}}}}}}}}},
          "Deployment": {"description": "the deployment started", "content": {"application/json": {"schema": {"type": "object", "required": ["deploymentId", "version"], "properties": {"deploymentId": {"type": "string"}, "version": {"type": "string"}}}}}}
        },
        "schemas": {
          "AppList": {"type": "object", "required": ["apps"], "properties": {"apps": {"type": "array", "items": {"type": "object"}}}},
          "App": {
            "type": "object",
            "properties": {
              "id": {"type": "string", "pattern": "^/?[a-z0-9][a-z0-9.-]*(/[a-z0-9][a-z0-9.-]*)*$"},
              "cmd": {"type": "string"},
              "args": {"type": "array", "items": {"type": "string"}},
              "user": {"type": "string", "minLength": 1},
              "instances": {"type": "integer", "minimum": 0, "maximum": 100000},
              "cpus": {"type": "number", "minimum": 0.001, "maximum": 1e12},
              "mem": {"type": "number", "minimum": 0, "maximum": 1e12},
              "disk": {"type": "number", "minimum": 0, "maximum": 1e12},
              "ports": {"type": "array", "items": {"type": "integer", "minimum": 0, "maximum": 65535}},
              "portDefinitions": {"type": "array", "items": {"type": "object", "properties": {"port": {"type": "integer", "minimum": 0, "maximum": 65535}, "protocol": {"type": "string"}, "name": {"type": "string"}}}},
              "requirePorts": {"type": "boolean"},
              "env": {"type": "object", "additionalProperties": {"type": "string"}},
              "labels": {"type": "object", "additionalProperties": {"type": "string"}},
              "constraints": {"type": "array", "items": {"type": "array", "minItems": 2, "maxItems": 3, "items": {"type": "string"}}},
              "healthChecks": {"type": "array", "items": {"$ref": "#/components/schemas/HealthCheck"}},
              "upgradeStrategy": {"type": "object", "properties": {"minimumHealthCapacity": {"type": "number", "minimum": 0, "maximum": 1}, "maximumOverCapacity": {"type": "number", "minimum": 0, "maximum": 1}}},
              "backoffSeconds": {"type": "number", "minimum": 0, "maximum": 315360000},
              "backoffFactor": {"type": "number", "minimum": 1, "maximum": 100},
              "maxLaunchDelaySeconds": {"type": "number", "minimum": 0, "maximum": 315360000},
              "taskKillGracePeriodSeconds": {"type": "number", "minimum": 0, "maximum": 315360000},
              "killSelection": {"type": "string", "enum": ["YOUNGEST_FIRST", "OLDEST_FIRST"]}
            }
          },
          "HealthCheck": {
            "type": "object",
            "properties": {
              "protocol": {"type": "string", "enum": ["HTTP", "MESOS_HTTP", "TCP", "MESOS_TCP", "COMMAND"]},
              "path": {"type": "string"},
              "portIndex": {"type": "integer", "minimum": 0, "maximum": 65535},
              "command": {"type": "object", "properties": {"value": {"type": "string"}}},
              "gracePeriodSeconds": {"type": "number", "minimum": 0, "maximum": 315360000},
              "intervalSeconds": {"type": "number", "minimum": 0, "maximum": 315360000},
              "timeoutSeconds": {"type": "number", "minimum": 0, "maximum": 315360000},
              "maxConsecutiveFailures": {"type": "integer", "minimum": 0, "maximum": 4294967295}
            }
          }
        }
      }
    }
    """#
}
