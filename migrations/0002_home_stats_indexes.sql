CREATE INDEX `audit_action_at_idx` ON `audit_events` (`action`,`at`);--> statement-breakpoint
CREATE INDEX `releases_state_changed_idx` ON `releases` (`state`,`state_changed_at`);--> statement-breakpoint
CREATE INDEX `releases_state_scheduled_idx` ON `releases` (`state`,`scheduled_at`);