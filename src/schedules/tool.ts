import { decode } from "../protocol/decode.ts";
import { ok } from "../protocol/errors.ts";
import { ProposeArgs } from "../protocol/schedules.ts";
import type { ToolArea } from "../tools/dispatcher.ts";
import type { ScheduleService } from "./service.ts";

/**
 * `octo-tool schedule propose …` → the area `schedule`. The agent may only propose: the schedule is
 * stored as `proposed` in the session's project and never runs until its person confirms it.
 */
export function scheduleArea(schedules: () => ScheduleService): ToolArea {
  return {
    async propose(args, ctx) {
      const a = decode(ProposeArgs, args, "schedule propose");
      if (!a.ok) return a;
      const created = schedules().create(
        { userId: ctx.user.id, projectId: ctx.projectId },
        {
          name: a.value.name,
          cron: a.value.cron,
          timezone: a.value.tz,
          prompt: a.value.prompt,
          model: a.value.model,
        },
        ctx.sessionId,
      );
      return created.ok ? ok({ schedule: created.value }) : created;
    },
  };
}
