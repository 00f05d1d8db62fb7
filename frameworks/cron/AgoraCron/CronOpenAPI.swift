/// The OpenAPI 3 description of the Chronos API this framework serves (`GET /openapi.json`); the API fuzzer
/// (`make fuzz`) generates its requests from it.
enum CronOpenAPI {
    static let document = #"""
    {
      "openapi": "3.0.3",
      "info": {"title": "agora-cron (Chronos API)", "version": "3.0.0"},
      "paths": {
        "/ping": {"get": {"responses": {"200": {"description": "pong"}}}},
        "/metrics": {"get": {"responses": {"200": {"description": "Prometheus text"}}}},
        "/scheduler/jobs": {"get": {"responses": {"200": {"description": "jobs", "content": {"application/json": {"schema": {"type": "array", "items": {"type": "object"}}}}}}}},
        "/scheduler/jobs/search": {
          "get": {
            "parameters": [
              {"name": "name", "in": "query", "schema": {"type": "string"}},
              {"name": "command", "in": "query", "schema": {"type": "string"}},
              {"name": "any", "in": "query", "schema": {"type": "string"}}
            ],
            "responses": {"200": {"description": "matching jobs", "content": {"application/json": {"schema": {"type": "array"}}}}}
          }
        },
        "/scheduler/iso8601": {
          "post": {"requestBody": {"$ref": "#/components/requestBodies/Job"}, "responses": {"204": {"description": "stored"}, "400": {"$ref": "#/components/responses/Message"}}},
          "put": {"requestBody": {"$ref": "#/components/requestBodies/Job"}, "responses": {"204": {"description": "stored"}, "400": {"$ref": "#/components/responses/Message"}}}
        },
        "/scheduler/dependency": {
          "post": {"requestBody": {"$ref": "#/components/requestBodies/Job"}, "responses": {"204": {"description": "stored"}, "400": {"$ref": "#/components/responses/Message"}}},
          "put": {"requestBody": {"$ref": "#/components/requestBodies/Job"}, "responses": {"204": {"description": "stored"}, "400": {"$ref": "#/components/responses/Message"}}}
        },
        "/scheduler/job/{name}": {
          "parameters": [{"$ref": "#/components/parameters/JobName"}],
          "get": {"responses": {"200": {"description": "the job", "content": {"application/json": {"schema": {"type": "object"}}}}, "404": {"$ref": "#/components/responses/Message"}}},
          "put": {"responses": {"204": {"description": "queued to run now"}, "404": {"$ref": "#/components/responses/Message"}}},
          "delete": {"responses": {"204": {"description": "deleted"}, "404": {"$ref": "#/components/responses/Message"}}}
        },
        "/scheduler/job/{name}/runs": {
          "parameters": [{"$ref": "#/components/parameters/JobName"}],
          "get": {"responses": {"200": {"description": "the job's runs", "content": {"application/json": {"schema": {"type": "array"}}}}, "404": {"$ref": "#/components/responses/Message"}}}
        },
        "/scheduler/job/success/{name}": {
          "parameters": [{"$ref": "#/components/parameters/JobName"}],
          "put": {"responses": {"204": {"description": "marked successful"}, "404": {"$ref": "#/components/responses/Message"}}}
        },
        "/scheduler/job/stat/{name}": {
          "parameters": [{"$ref": "#/components/parameters/JobName"}],
          "get": {"responses": {"200": {"description": "run time statistics", "content": {"application/json": {"schema": {"type": "object"}}}}, "404": {"$ref": "#/components/responses/Message"}}}
        },
        "/scheduler/task/kill/{name}": {
          "parameters": [{"$ref": "#/components/parameters/JobName"}],
          "delete": {"responses": {"204": {"description": "tasks killed"}, "404": {"$ref": "#/components/responses/Message"}}}
        },
        "/scheduler/task/{taskId}": {
          "parameters": [{"name": "taskId", "in": "path", "required": true, "schema": {"type": "string"}}],
          "put": {
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["statusCode"], "properties": {"statusCode": {"type": "integer", "minimum": -2147483648, "maximum": 2147483647}}}}}},
            "responses": {"204": {"description": "recorded"}, "400": {"$ref": "#/components/responses/Message"}, "404": {"$ref": "#/components/responses/Message"}}
          }
        },
        "/scheduler/graph/dot": {"get": {"responses": {"200": {"description": "the dependency graph in dot"}}}},
        "/scheduler/graph/csv": {"get": {"responses": {"200": {"description": "the dependency graph as CSV"}}}},
        "/scheduler/stats/{statistic}": {
          "parameters": [{"name": "statistic", "in": "path", "required": true, "schema": {"type": "string", "enum": ["99thPercentile", "98thPercentile", "95thPercentile", "75thPercentile", "median", "mean"]}}],
          "get": {"responses": {"200": {"description": "the statistic per job", "content": {"application/json": {"schema": {"type": "array"}}}}, "400": {"$ref": "#/components/responses/Message"}}}
        },
        "/scheduler/leader": {"get": {"responses": {"200": {"description": "the leader", "content": {"application/json": {"schema": {"type": "object"}}}}}}}
      },
      "components": {
        "parameters": {
          "JobName": {"name": "name", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[^/ ]+$"}}
        },
        "responses": {
          "Message": {"description": "an error", "content": {"application/json": {"schema": {"type": "object", "required": ["message"], "properties": {"message": {"type": "string"}}}}}}
        },
        "requestBodies": {
          "Job": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}}
        },
        "schemas": {
          "Job": {
            "type": "object",
            "required": ["name", "command"],
            "properties": {
              "name": {"type": "string", "pattern": "^[^/ ]+$"},
              "command": {"type": "string"},
              "shell": {"type": "boolean"},
              "arguments": {"type": "array", "items": {"type": "string"}},
              "schedule": {"type": "string", "description": "R[n]/<start>/<period>; the period is at least 1 s and at most 100 years"},
              "scheduleTimeZone": {"type": "string"},
              "cron": {"type": "string"},
              "parents": {"type": "array", "items": {"type": "string"}},
              "retries": {"type": "integer", "minimum": 0, "maximum": 1000},
              "epsilon": {"type": "string"},
              "async": {"type": "boolean"},
              "disabled": {"type": "boolean"},
              "concurrent": {"type": "boolean"},
              "cpus": {"type": "number", "minimum": 0.001, "maximum": 1e12},
              "mem": {"type": "number", "minimum": 0, "maximum": 1e12},
              "disk": {"type": "number", "minimum": 0, "maximum": 1e12},
              "runAsUser": {"type": "string"},
              "owner": {"type": "string"},
              "description": {"type": "string"},
              "environmentVariables": {"type": "array", "items": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}, "value": {"type": "string"}}}},
              "constraints": {"type": "array", "items": {"type": "array", "items": {"type": "string"}}}
            }
          }
        }
      }
    }
    """#
}
