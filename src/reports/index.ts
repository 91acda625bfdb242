/**
 * Reporting (product.md §7): figures computed from the events table for a period and a scope,
 * served the same to Slack (`/ticket stats`, the weekly digest), the dashboard page, the JSON
 * summary and the CSV export; and the signed links that open the dashboard.
 */
export { parseReportsConfig, type ReportsConfig } from './config.ts';
export { PRESETS, isPreset, lastWeek, presetLabel, presetRange, previousRange, rangeFromQuery, type Preset } from './period.ts';
export type { Range, Scope } from './reports-sql.ts';
export type { Summary } from './summary.ts';
export { CSV_COLUMNS, createReports, type Reports, type ReportsDeps } from './service.ts';
export { reportRoutes, SESSION_COOKIE } from './http.ts';
