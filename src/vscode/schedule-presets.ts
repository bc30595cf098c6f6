/** Schedules offered as one-click choices; anything parseSchedule() accepts may be typed instead. */
export const schedulePresets: readonly string[] = ['manual', 'hourly', 'every 15 minutes', 'daily 02:00', 'daily 18:00', 'weekly mon 09:00'];
