import type { PutScheduleBody, Schedule } from '@carechat/protocol';
import type { Actor } from '../actor.js';
import { CoreError } from '../errors.js';
import type { CareStore, ScheduleWindowRecord } from '../ports/care-store.js';
import type { UserDirectory } from '../users.js';
import { toWireSchedule } from './care-wire.js';

export interface ScheduleDeps {
  care: CareStore;
  users: UserDirectory;
  /** Called after a schedule changes: a window may have just opened (doctor_ready). */
  changed?: (practitionerId: string) => void;
}

/** Practitioners' weekly schedules: readable by any signed-in user, written by the practitioner or an admin. */
export class ScheduleService {
  constructor(private readonly d: ScheduleDeps) {}

  async get(practitionerId: string): Promise<Schedule> {
    await this.practitioner(practitionerId);
    return toWireSchedule(practitionerId, await this.d.care.listScheduleWindows([practitionerId]));
  }

  async put(actor: Actor, practitionerId: string, body: PutScheduleBody): Promise<Schedule> {
    if (actor.userId !== practitionerId && actor.role !== 'admin') {
      throw new CoreError('forbidden', 'Only the practitioner (or an admin) may change this schedule.');
    }
    return this.replace(practitionerId, body);
  }

  /** Replaces the whole schedule (also the server API's way in). */
  async replace(practitionerId: string, body: PutScheduleBody): Promise<Schedule> {
    await this.practitioner(practitionerId);
    const byKey = new Map<string, ScheduleWindowRecord>();
    for (const w of body.windows) {
      const record = {
        practitionerId,
        dayOfWeek: w.day_of_week,
        start: w.start,
        end: w.end,
        timezone: w.timezone,
      };
      // The same start twice on a day (in one zone) is one window: the longer one wins.
      const key = `${w.day_of_week}/${w.start}/${w.timezone}`;
      const seen = byKey.get(key);
      if (!seen || seen.end < record.end) byKey.set(key, record);
    }
    await this.d.care.replaceSchedule(practitionerId, [...byKey.values()]);
    this.d.changed?.(practitionerId);
    return this.get(practitionerId);
  }

  private async practitioner(id: string): Promise<void> {
    const user = await this.d.users.get(id);
    if (user?.role !== 'practitioner') throw new CoreError('not_found', 'No such practitioner.');
  }
}
