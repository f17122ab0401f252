// The document, written as JSON so that it reads as what clients get.
#include "web/openapi.h"

namespace kbseek::web {

const nlohmann::json& openapi_document() {
  static const nlohmann::json doc = nlohmann::json::parse(R"JSON({
  "openapi": "3.0.3",
  "info": {
    "title": "kbseek",
    "version": "1",
    "description": "Bilingual (Chinese/English) semantic search with LLM re-ranking. Results hold only documents the caller may read (a document's acl). With API keys on (serve --auth, or any non-loopback --host) /v1 routes need a key; the caller's principals are the key's."
  },
  "components": {
    "securitySchemes": {
      "bearer": {"type": "http", "scheme": "bearer", "description": "kbs_<id>_<secret> from `kbseek keys create`"},
      "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"}
    },
    "schemas": {
      "Error": {
        "type": "object", "required": ["error"],
        "properties": {"error": {"type": "object", "required": ["code", "message"],
          "properties": {"code": {"type": "integer"}, "message": {"type": "string"}}}}
      },
      "SearchRequest": {
        "type": "object", "required": ["query"],
        "properties": {
          "query": {"type": "string", "description": "text in the query language (query/query_syntax.h): words, \"phrases\", +must -not, field:value, lang:zh, time:2024-01..2024-06, entity:X, type:T, AND/OR/NOT"},
          "k": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 10},
          "offset": {"type": "integer", "minimum": 0, "default": 0, "description": "pagination: results from rank offset+1; offset + k <= 1000"},
          "facets": {"type": "array", "maxItems": 8, "items": {"type": "string"},
            "description": "fields whose values to count over the first 100 documents: metadata fields, lang, year"},
          "mode": {"type": "string", "enum": ["hybrid", "dense", "bm25"], "default": "hybrid"},
          "models": {"type": "array", "items": {"type": "string"}},
          "explain": {"type": "boolean", "default": false},
          "rerank": {"description": "an installed LLM's name, or false", "oneOf": [{"type": "string"}, {"type": "boolean"}]},
          "rerank_k": {"type": "integer", "minimum": 1},
          "rerank_budget_ms": {"type": "number", "minimum": 0},
          "rerank_weight": {"type": "number", "minimum": 0, "maximum": 1},
          "ranking": {"$ref": "#/components/schemas/Ranking"}
        }
      },
      "Ranking": {
        "description": "ranking beyond relevance, over the index's ranking.json (ranker/objectives.h)",
        "type": "object", "additionalProperties": false,
        "properties": {
          "freshness_weight": {"type": "number", "minimum": 0, "maximum": 1},
          "recent_weight": {"type": "number", "minimum": 0, "maximum": 1},
          "half_life_days": {"type": "number", "exclusiveMinimum": 0},
          "mmr_lambda": {"type": "number", "minimum": 0, "maximum": 1},
          "group_field": {"type": "string"}, "max_per_group": {"type": "integer", "minimum": 0},
          "other_chunks_weight": {"type": "number", "minimum": 0, "maximum": 10},
          "boosts": {"type": "array", "items": {"type": "object", "required": ["field", "value", "factor"],
            "properties": {"field": {"type": "string"}, "value": {"type": "string"}, "factor": {"type": "number", "minimum": 0}}}}
        }
      },
      "ApiKey": {
        "type": "object", "required": ["id", "role", "principals", "created_at", "revoked_at"],
        "properties": {"id": {"type": "string"}, "role": {"type": "string", "enum": ["reader", "writer", "admin"]},
          "principals": {"type": "array", "items": {"type": "string"}},
          "created_at": {"type": "string"}, "revoked_at": {"type": "string", "description": "\"\" while active"}}
      },
      "Stats": {
        "type": "object", "required": ["documents", "chunks", "models", "fields", "facets"],
        "properties": {
          "documents": {"type": "integer"}, "chunks": {"type": "integer"},
          "models": {"type": "array", "items": {"type": "object", "required": ["name", "dimension"],
            "properties": {"name": {"type": "string"}, "dimension": {"type": "integer"}}}},
          "fields": {"type": "object", "description": "metadata fields the query language filters on (field:value, field:1..2)",
            "additionalProperties": {"type": "string", "enum": ["text", "number"]}},
          "facets": {"type": "array", "items": {"type": "string"}, "description": "fields a search can count (facets): lang, year and the text fields"}
        }
      },
      "SearchResponse": {
        "type": "object", "required": ["results", "took_ms"],
        "properties": {
          "results": {"type": "array", "items": {
            "type": "object", "required": ["id", "title", "snippet", "score"],
            "properties": {
              "id": {"type": "string"}, "title": {"type": "string"}, "snippet": {"type": "string"},
              "highlights": {"type": "array", "description": "query words in the snippet: [start, end) in characters (code points)",
                "items": {"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2}},
              "score": {"type": "number"},
              "explain": {"type": "array", "items": {"type": "object", "required": ["source", "rank", "score", "weight"],
                "properties": {"source": {"type": "string"}, "rank": {"type": "integer"},
                  "score": {"type": "number"}, "weight": {"type": "number"}}}}
            }}},
          "took_ms": {"type": "number"},
          "more": {"type": "boolean", "description": "the ranking goes on after this page (ask again with offset + k)"},
          "facets": {"type": "object", "description": "field -> its values by count over the first 100 documents",
            "additionalProperties": {"type": "array", "items": {"type": "object", "required": ["value", "count"],
              "properties": {"value": {"type": "string"}, "count": {"type": "integer", "minimum": 1}}}}},
          "cached": {"type": "boolean", "description": "answered from the server's result cache"},
          "timings_ms": {"type": "object", "description": "with explain: milliseconds in each stage of the query path (parse, encode, retrieve, fuse, rank, rerank, objectives, snippets); empty for a cached answer",
            "additionalProperties": {"type": "number", "minimum": 0}},
          "warnings": {"type": "array", "items": {"type": "string"},
            "description": "parts of the query not understood, and how they were searched instead"},
          "query": {"type": "object", "description": "with explain: the query as parsed",
            "properties": {"text": {"type": "string"}, "conditions": {"type": "array", "items": {"type": "string"}},
              "class": {"type": "string", "description": "the query's class for learned fusion weights (zh-question, ...)"},
              "fusion": {"type": "string", "enum": ["tuned", "rules"]},
              "languages": {"type": "array", "items": {"type": "string"}}, "question": {"type": "string"},
              "recent": {"type": "boolean"}, "years": {"type": "array", "items": {"type": "integer"}},
              "identifiers": {"type": "array", "items": {"type": "string"}},
              "numbers": {"type": "array", "items": {"type": "string"}}, "entities": {"type": "integer"}}},
          "rerank": {"type": "object", "required": ["model", "candidates", "reranked", "took_ms"],
            "properties": {"model": {"type": "string"}, "candidates": {"type": "integer"},
              "reranked": {"type": "integer"}, "took_ms": {"type": "number"}, "warning": {"type": "string"},
              "weight": {"type": "number"}, "note": {"type": "string"}}}
        }
      },
      "RerankRequest": {
        "description": "Cohere/Jina shape (documents) or Hugging Face TEI shape (texts)",
        "type": "object", "required": ["query"],
        "properties": {
          "query": {"type": "string"},
          "documents": {"type": "array", "items": {"oneOf": [{"type": "string"},
            {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}}]}},
          "texts": {"type": "array", "items": {"type": "string"}},
          "model": {"type": "string"}, "top_n": {"type": "integer"}, "return_documents": {"type": "boolean"},
          "raw_scores": {"type": "boolean"}, "return_text": {"type": "boolean"}, "budget_ms": {"type": "number"}
        }
      },
      "Document": {"type": "object", "required": ["id", "title", "text", "metadata"],
        "properties": {"id": {"type": "string"}, "title": {"type": "string"}, "text": {"type": "string"},
          "metadata": {"type": "object"}, "timestamp": {"type": "integer"}, "duplicate_of": {"type": "string"}}},
      "EmbeddingsRequest": {"type": "object", "required": ["model", "input"],
        "properties": {"model": {"type": "string"},
          "input": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
          "encoding_format": {"type": "string", "enum": ["float", "base64"]},
          "dimensions": {"type": "integer"}, "input_type": {"type": "string", "enum": ["query", "passage"]},
          "user": {"type": "string"}}},
      "EmbeddingsResponse": {"type": "object", "required": ["object", "model", "data", "usage"],
        "properties": {"object": {"type": "string"}, "model": {"type": "string"},
          "data": {"type": "array", "items": {"type": "object", "required": ["object", "index", "embedding"],
            "properties": {"object": {"type": "string"}, "index": {"type": "integer"},
              "embedding": {"oneOf": [{"type": "array", "items": {"type": "number"}}, {"type": "string"}]}}}},
          "usage": {"type": "object", "required": ["prompt_tokens", "total_tokens"],
            "properties": {"prompt_tokens": {"type": "integer"}, "total_tokens": {"type": "integer"}}}}},
      "Health": {"type": "object", "required": ["status", "documents", "chunks"],
        "properties": {"status": {"type": "string"}, "documents": {"type": "integer"}, "chunks": {"type": "integer"}}},
      "Ready": {"type": "object", "required": ["status"], "properties": {"status": {"type": "string"}}}
    },
    "responses": {
      "Error": {"description": "an error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    }
  },
  "paths": {
    "/": {"get": {"summary": "The search page (HTML)", "responses": {"200": {"description": "HTML", "content": {"text/html": {}}}}}},
    "/health": {"get": {"summary": "Alive", "responses": {"200": {"description": "alive",
      "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}}}}},
    "/ready": {"get": {"summary": "Index and models loaded", "responses": {"200": {"description": "ready",
      "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Ready"}}}}}}},
    "/metrics": {"get": {"summary": "Prometheus metrics (text format 0.0.4)", "responses": {"200": {"description": "metrics",
      "content": {"text/plain": {}}}}}},
    "/v1/stats": {"get": {"summary": "What the index holds, and the fields it filters and counts on",
      "security": [{"bearer": []}, {"apiKey": []}, {}],
      "responses": {"200": {"description": "stats",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Stats"}}}},
        "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"},
        "500": {"$ref": "#/components/responses/Error"}}}},
    "/openapi.json": {"get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI 3",
      "content": {"application/json": {}}}}}},
    "/v1/search": {
      "post": {
        "summary": "Search", "security": [{"bearer": []}, {"apiKey": []}, {}],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SearchRequest"}}}},
        "responses": {
          "200": {"description": "results", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SearchResponse"}}}},
          "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"},
          "403": {"$ref": "#/components/responses/Error"}, "413": {"$ref": "#/components/responses/Error"},
          "503": {"$ref": "#/components/responses/Error"}
        }
      },
      "get": {
        "summary": "Search, with the request's fields as parameters", "security": [{"bearer": []}, {"apiKey": []}, {}],
        "parameters": [
          {"name": "q", "in": "query", "required": true, "schema": {"type": "string"}},
          {"name": "k", "in": "query", "schema": {"type": "integer"}},
          {"name": "offset", "in": "query", "schema": {"type": "integer"}},
          {"name": "facets", "in": "query", "schema": {"type": "string"}, "description": "comma-separated"},
          {"name": "mode", "in": "query", "schema": {"type": "string", "enum": ["hybrid", "dense", "bm25"]}},
          {"name": "models", "in": "query", "schema": {"type": "string"}, "description": "comma-separated"},
          {"name": "explain", "in": "query", "schema": {"type": "boolean"}},
          {"name": "rerank", "in": "query", "schema": {"type": "string"}},
          {"name": "rerank_k", "in": "query", "schema": {"type": "integer"}},
          {"name": "rerank_budget_ms", "in": "query", "schema": {"type": "number"}},
          {"name": "rerank_weight", "in": "query", "schema": {"type": "number"}},
          {"name": "freshness_weight", "in": "query", "schema": {"type": "number"}},
          {"name": "recent_weight", "in": "query", "schema": {"type": "number"}},
          {"name": "half_life_days", "in": "query", "schema": {"type": "number"}},
          {"name": "mmr_lambda", "in": "query", "schema": {"type": "number"}},
          {"name": "group_field", "in": "query", "schema": {"type": "string"}},
          {"name": "max_per_group", "in": "query", "schema": {"type": "integer"}},
          {"name": "other_chunks_weight", "in": "query", "schema": {"type": "number"}}
        ],
        "responses": {
          "200": {"description": "results", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SearchResponse"}}}},
          "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"},
          "503": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/v1/documents": {
      "delete": {
        "summary": "Erase (GDPR): documents by ids and/or a filter of conditions, their content gone from the index's files; the result cache emptied; recorded in audit.jsonl (serve --writable, admin keys)",
        "security": [{"bearer": []}, {"apiKey": []}, {}],
        "parameters": [
          {"name": "ids", "in": "query", "schema": {"type": "string"}, "description": "comma-separated"},
          {"name": "filter", "in": "query", "schema": {"type": "string"}, "description": "conditions only: dept:hr time:<2020"},
          {"name": "reason", "in": "query", "schema": {"type": "string"}}
        ],
        "responses": {
          "200": {"description": "erased", "content": {"application/json": {"schema": {"type": "object",
            "required": ["erased", "not_found"], "properties": {"erased": {"type": "array", "items": {"type": "string"}},
            "not_found": {"type": "array", "items": {"type": "string"}}}}}}},
          "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"},
          "403": {"$ref": "#/components/responses/Error"}, "500": {"$ref": "#/components/responses/Error"}
        }
      },
      "post": {
        "summary": "Write documents, NDJSON (one JSON document a line, the fields of kbseek index); one result per record (serve --writable, writer keys)",
        "security": [{"bearer": []}, {"apiKey": []}, {}],
        "requestBody": {"required": true, "content": {"application/x-ndjson": {}}},
        "responses": {
          "200": {"description": "one result per record", "content": {"application/json": {"schema": {"type": "object",
            "required": ["results", "rejected"], "properties": {"rejected": {"type": "integer"},
            "results": {"type": "array", "items": {"type": "object", "required": ["line", "id", "status"],
              "properties": {"line": {"type": "integer"}, "id": {"type": "string"},
                "status": {"type": "string", "enum": ["indexed", "unchanged", "duplicate", "rejected"]},
                "error": {"type": "string"}, "note": {"type": "string"}}}}}}}}},
          "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"},
          "403": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/v1/documents/{id}": {
      "put": {
        "summary": "Write one document (its JSON; an id in it must be the path's) (serve --writable, writer keys)",
        "security": [{"bearer": []}, {"apiKey": []}, {}],
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
        "requestBody": {"required": true, "content": {"application/json": {}}},
        "responses": {
          "200": {"description": "written", "content": {"application/json": {"schema": {"type": "object",
            "required": ["id", "status"], "properties": {"id": {"type": "string"}, "status": {"type": "string"},
            "note": {"type": "string"}}}}}},
          "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"},
          "403": {"$ref": "#/components/responses/Error"}
        }
      },
      "delete": {
        "summary": "Remove one document (serve --writable, writer keys)",
        "security": [{"bearer": []}, {"apiKey": []}, {}],
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
        "responses": {
          "200": {"description": "removed", "content": {"application/json": {}}},
          "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"},
          "404": {"$ref": "#/components/responses/Error"}
        }
      },
      "get": {
        "summary": "A stored document; 404 alike for one that does not exist and one the caller may not read",
        "security": [{"bearer": []}, {"apiKey": []}, {}],
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
        "responses": {
          "200": {"description": "the document", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Document"}}}},
          "401": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/v1/admin/keys": {
      "get": {
        "summary": "Every API key, active and revoked (never a secret)", "security": [{"bearer": []}, {"apiKey": []}],
        "responses": {
          "200": {"description": "keys", "content": {"application/json": {"schema": {"type": "object", "required": ["keys"],
            "properties": {"keys": {"type": "array", "items": {"$ref": "#/components/schemas/ApiKey"}}}}}}},
          "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"},
          "500": {"$ref": "#/components/responses/Error"}
        }
      },
      "post": {
        "summary": "Create a key; the answer holds it once (stored hashed)", "security": [{"bearer": []}, {"apiKey": []}],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["role"],
          "properties": {"role": {"type": "string", "enum": ["reader", "writer", "admin"]},
            "principals": {"type": "array", "items": {"type": "string"}}}}}}},
        "responses": {
          "201": {"description": "created", "content": {"application/json": {"schema": {"allOf": [{"$ref": "#/components/schemas/ApiKey"},
            {"type": "object", "required": ["key"], "properties": {"key": {"type": "string"}}}]}}}},
          "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"},
          "403": {"$ref": "#/components/responses/Error"}, "500": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/v1/admin/keys/{id}": {
      "delete": {
        "summary": "Revoke a key (at its next request)", "security": [{"bearer": []}, {"apiKey": []}],
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
        "responses": {
          "200": {"description": "revoked", "content": {"application/json": {"schema": {"type": "object",
            "required": ["id", "revoked"], "properties": {"id": {"type": "string"}, "revoked": {"type": "boolean"}}}}}},
          "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"},
          "404": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/v1/admin/reload": {
      "post": {
        "summary": "Re-open the index folder and models (e.g. --index is a symlink switched to a new build); requests in flight finish on the old ones",
        "security": [{"bearer": []}, {"apiKey": []}],
        "responses": {
          "200": {"description": "reloaded", "content": {"application/json": {"schema": {"type": "object",
            "required": ["status", "documents", "took_ms"], "properties": {"status": {"type": "string"},
            "documents": {"type": "integer"}, "took_ms": {"type": "number"}}}}}},
          "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"},
          "500": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/v1/embeddings": {
      "post": {
        "summary": "Embeddings in OpenAI's shape, from an installed encoder", "security": [{"bearer": []}, {"apiKey": []}, {}],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/EmbeddingsRequest"}}}},
        "responses": {
          "200": {"description": "one embedding per input", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/EmbeddingsResponse"}}}},
          "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"},
          "404": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/v1/rerank": {
      "post": {
        "summary": "Score texts against a query with the LLM stage", "security": [{"bearer": []}, {"apiKey": []}, {}],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RerankRequest"}}}},
        "responses": {
          "200": {"description": "scores, best first (Cohere: {model, results, reranked}; TEI: [{index, score}])",
            "content": {"application/json": {}}},
          "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"},
          "404": {"$ref": "#/components/responses/Error"}
        }
      }
    }
  }
})JSON");
  return doc;
}

}  // namespace kbseek::web
