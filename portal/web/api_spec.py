"""The OpenAPI 3.0 description of the providers' API (:mod:`portal.web.api`), served at
``/api/v1/openapi.json``. Its enumerations come from the model, so the description and the
code cannot drift apart; a schemathesis run in the tests holds every answer to it."""

from __future__ import annotations

from typing import Any

from registry.importing.rosters import MAX_ROSTER
from registry.model import Category
from registry.portal.classes import ClassMode, PlanState
from registry.series import sector_names


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_ERROR = _json(_ref("Error"), "拒绝：reason 是机器可读的原因，message 先中文后英文")
_REFUSALS = {
    "400": _ERROR,
    "401": {**_ERROR, "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}}},
    "403": _ERROR,
    "404": _ERROR,
    "405": _ERROR,
    "413": _ERROR,
}
_PLAN_ID = {
    "name": "plan_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1, "maximum": 2**53},
}


def openapi_document() -> dict[str, Any]:
    """The API's description, as a JSON-ready mapping."""
    plan_input = {
        "type": "object",
        "additionalProperties": False,
        "required": [
            "token",
            "sector",
            "title",
            "category",
            "course_code",
            "hours",
            "start_date",
            "end_date",
            "mode",
        ],
        "properties": {
            "token": {
                "type": "string",
                "minLength": 1,
                "maxLength": 100,
                "description": "本次填报的唯一标识：同一 token 再次提交返回同一计划",
            },
            "sector": {"type": "string", "enum": sorted(sector_names())},
            "title": {"type": "string", "maxLength": 100},
            "category": {"type": "string", "enum": [c.value for c in Category]},
            "course_code": {"type": "string", "maxLength": 100},
            "hours": {"type": "number", "minimum": 0},
            "start_date": {"type": "string", "format": "date"},
            "end_date": {"type": "string", "format": "date"},
            "mode": {"type": "string", "enum": [m.value for m in ClassMode]},
            "place": {"type": "string", "maxLength": 100, "description": "面授必填"},
        },
    }
    plan = {
        "type": "object",
        "required": [
            "id",
            "state",
            "state_zh",
            "sector",
            "title",
            "category",
            "course_code",
            "hours",
            "start_date",
            "end_date",
            "mode",
            "place",
            "reason",
            "roster_count",
            "version",
        ],
        "properties": {
            "id": {"type": "integer"},
            "state": {"type": "string", "enum": [s.value for s in PlanState]},
            "state_zh": {"type": "string"},
            "sector": {"type": "string"},
            "title": {"type": "string"},
            "category": {"type": "string", "enum": [c.value for c in Category]},
            "course_code": {"type": "string"},
            "hours": {"type": "number"},
            "start_date": {"type": "string", "format": "date"},
            "end_date": {"type": "string", "format": "date"},
            "mode": {"type": "string", "enum": [m.value for m in ClassMode]},
            "place": {"type": "string"},
            "reason": {"type": "string", "nullable": True},
            "roster_count": {"type": "integer", "nullable": True},
            "version": {"type": "integer"},
            "roster": {"type": "array", "items": _ref("RosterEntry")},
        },
    }
    roster_row = {
        "type": "object",
        "additionalProperties": False,
        "required": ["id_number", "name", "hours"],
        "properties": {
            "id_number": {"type": "string", "description": "18 位居民身份证号"},
            "name": {"type": "string"},
            "hours": {
                "oneOf": [{"type": "number", "minimum": 0}, {"type": "string"}],
                "description": "实际参训学时，不超过本班学时",
            },
            "score": {
                "oneOf": [{"type": "number", "minimum": 0, "maximum": 100}, {"type": "string"}],
                "nullable": True,
            },
        },
    }
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "cecert 施教机构接口 (training providers' API)",
            "version": "1",
            "description": (
                "施教机构的教务系统用本机构的令牌调用：查询和填报办班计划，培训结束后上传参训人员"
                "名单。名单任一行有误则整份不保存，并逐行说明。"
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": {
            "/plans": {
                "get": {
                    "operationId": "listPlans",
                    "summary": "本机构的办班计划，新的在前",
                    "parameters": [
                        {
                            "name": "state",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "string", "enum": [s.value for s in PlanState]},
                        },
                        {
                            "name": "after",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "integer", "minimum": 0, "maximum": 2**53},
                        },
                    ],
                    "responses": {"200": _json(_ref("PlanPage"), "一页计划"), **_REFUSALS},
                },
                "post": {
                    "operationId": "filePlan",
                    "summary": "填报办班计划（面授须开班前至少 30 天）",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _ref("PlanInput")}},
                    },
                    "responses": {"201": _json(_ref("Plan"), "已填报，待审核"), **_REFUSALS},
                },
            },
            "/plans/{plan_id}": {
                "get": {
                    "operationId": "getPlan",
                    "summary": "一个办班计划（名单已上传的，含名单）",
                    "parameters": [_PLAN_ID],
                    "responses": {"200": _json(_ref("Plan"), "计划"), **_REFUSALS},
                },
            },
            "/plans/{plan_id}/roster": {
                "post": {
                    "operationId": "sendRoster",
                    "summary": "上传已结束培训班的参训人员名单；学员学时随即认定",
                    "parameters": [_PLAN_ID],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _ref("Roster")}},
                    },
                    "responses": {
                        "200": _json(_ref("RosterAccepted"), "名单已接收，学时已认定"),
                        "409": _json(_ref("Error"), "计划未备案、培训未结束或名单已上传"),
                        "422": _json(_ref("RosterRejected"), "名单有误，未保存任何内容"),
                        **_REFUSALS,
                    },
                },
            },
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["reason", "message"],
                    "properties": {"reason": {"type": "string"}, "message": {"type": "string"}},
                },
                "PlanInput": plan_input,
                "Plan": plan,
                "PlanPage": {
                    "type": "object",
                    "required": ["plans", "after", "total"],
                    "properties": {
                        "plans": {"type": "array", "items": _ref("Plan")},
                        "after": {"type": "integer", "nullable": True},
                        "total": {"type": "integer"},
                    },
                },
                "RosterRow": roster_row,
                "Roster": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["rows"],
                    "properties": {
                        "rows": {
                            "type": "array",
                            "minItems": 1,
                            "maxItems": MAX_ROSTER,
                            "items": _ref("RosterRow"),
                        }
                    },
                },
                "RosterEntry": {
                    "type": "object",
                    "required": ["row", "id_number", "name", "hours", "score"],
                    "properties": {
                        "row": {"type": "integer"},
                        "id_number": {"type": "string"},
                        "name": {"type": "string"},
                        "hours": {"type": "number"},
                        "score": {"type": "string", "nullable": True},
                    },
                },
                "RosterAccepted": {
                    "type": "object",
                    "required": ["plan", "accepted"],
                    "properties": {"plan": _ref("Plan"), "accepted": {"type": "integer"}},
                },
                "RosterRejected": {
                    "type": "object",
                    "required": ["reason", "message", "problems"],
                    "properties": {
                        "reason": {"type": "string"},
                        "message": {"type": "string"},
                        "problems": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["row", "message"],
                                "properties": {
                                    "row": {"type": "integer"},
                                    "message": {"type": "string"},
                                },
                            },
                        },
                    },
                },
            },
        },
    }


__all__ = ["openapi_document"]
