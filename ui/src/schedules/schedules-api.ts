import * as v from "valibot";
import {
  HookSchema,
  HookWithSecret,
  PreviewAnswer,
  ScheduleRunSchema,
  ScheduleSchema,
} from "../../../src/protocol/schedules.ts";
import { api, OkResponse } from "../api/http.ts";

export type { Hook, Schedule, ScheduleRun } from "../../../src/protocol/schedules.ts";

const base = (projectId: string) => `/api/projects/${encodeURIComponent(projectId)}`;
const One = v.object({ schedule: ScheduleSchema });

export const listSchedules = (projectId: string) =>
  api("GET", `${base(projectId)}/schedules`, v.object({ schedules: v.array(ScheduleSchema) }));
export const createSchedule = (projectId: string, body: Record<string, unknown>) =>
  api("POST", `${base(projectId)}/schedules`, One, { body });
export const updateSchedule = (projectId: string, id: string, body: Record<string, unknown>) =>
  api("PATCH", `${base(projectId)}/schedules/${id}`, One, { body });
export const deleteSchedule = (projectId: string, id: string) =>
  api("DELETE", `${base(projectId)}/schedules/${id}`, OkResponse);
/** pause, resume, confirm */
export const scheduleAction = (projectId: string, id: string, action: "pause" | "resume" | "confirm") =>
  api("POST", `${base(projectId)}/schedules/${id}/${action}`, One);
export const runNow = (projectId: string, id: string) =>
  api("POST", `${base(projectId)}/schedules/${id}/run`, v.object({ run: ScheduleRunSchema }));
export const listRuns = (projectId: string) =>
  api("GET", `${base(projectId)}/runs?limit=50`, v.object({ runs: v.array(ScheduleRunSchema) }));
export const preview = (cron: string, timezone: string, signal?: AbortSignal) =>
  api("POST", "/api/schedules/preview", PreviewAnswer, { body: { cron, timezone }, signal });

export const listHooks = (projectId: string) =>
  api("GET", `${base(projectId)}/hooks`, v.object({ hooks: v.array(HookSchema) }));
export const createHook = (projectId: string, body: Record<string, unknown>) =>
  api("POST", `${base(projectId)}/hooks`, HookWithSecret, { body });
export const updateHook = (projectId: string, id: string, body: Record<string, unknown>) =>
  api("PATCH", `${base(projectId)}/hooks/${id}`, v.object({ hook: HookSchema }), { body });
export const rotateHook = (projectId: string, id: string) =>
  api("POST", `${base(projectId)}/hooks/${id}/rotate`, HookWithSecret);
export const deleteHook = (projectId: string, id: string) =>
  api("DELETE", `${base(projectId)}/hooks/${id}`, OkResponse);
