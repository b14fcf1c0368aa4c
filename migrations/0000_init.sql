CREATE TABLE `approvals` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`release_id` integer NOT NULL,
	`stage` text NOT NULL,
	`role` text NOT NULL,
	`user_id` text NOT NULL,
	`content_rev` integer NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`reset_reason` text,
	`created_at` integer NOT NULL,
	`reset_at` integer,
	FOREIGN KEY (`release_id`) REFERENCES `releases`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `approvals_one_active_uq` ON `approvals` (`release_id`,`stage`,`user_id`) WHERE status = 'active';--> statement-breakpoint
CREATE INDEX `approvals_release_idx` ON `approvals` (`release_id`);--> statement-breakpoint
CREATE TABLE `audit_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`release_id` integer,
	`actor` text NOT NULL,
	`action` text NOT NULL,
	`details` text NOT NULL,
	`prev_hash` text NOT NULL,
	`hash` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `audit_release_idx` ON `audit_events` (`release_id`,`id`);--> statement-breakpoint
CREATE INDEX `audit_at_idx` ON `audit_events` (`at`);--> statement-breakpoint
CREATE TABLE `criteria` (
	`release_id` integer NOT NULL,
	`criterion` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`url` text,
	`details` text,
	`updated_by` text,
	`updated_at` integer,
	PRIMARY KEY(`release_id`, `criterion`),
	FOREIGN KEY (`release_id`) REFERENCES `releases`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `freezes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`start` integer NOT NULL,
	`end` integer NOT NULL,
	`reason` text NOT NULL,
	`services` text,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`lifted_at` integer
);
--> statement-breakpoint
CREATE INDEX `freezes_end_idx` ON `freezes` (`end`);--> statement-breakpoint
CREATE TABLE `overrides` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`release_id` integer NOT NULL,
	`granted_by` text NOT NULL,
	`reason` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	FOREIGN KEY (`release_id`) REFERENCES `releases`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `overrides_release_idx` ON `overrides` (`release_id`,`expires_at`);--> statement-breakpoint
CREATE TABLE `processed_deliveries` (
	`key` text PRIMARY KEY NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `releases` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`service` text NOT NULL,
	`version` text NOT NULL,
	`title` text NOT NULL,
	`changelog` text NOT NULL,
	`environment` text NOT NULL,
	`risk` text NOT NULL,
	`rollback_plan` text NOT NULL,
	`links` text DEFAULT '[]' NOT NULL,
	`desired_at` integer,
	`commit_time` integer,
	`requested_by` text NOT NULL,
	`source` text NOT NULL,
	`state` text NOT NULL,
	`state_changed_at` integer NOT NULL,
	`content_rev` integer DEFAULT 1 NOT NULL,
	`last_reason` text,
	`card_channel` text,
	`card_ts` text,
	`scheduled_at` integer,
	`scheduled_by` text,
	`review_required` integer DEFAULT false NOT NULL,
	`idempotency_key` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `releases_idempotency_key_uq` ON `releases` (`idempotency_key`);--> statement-breakpoint
CREATE INDEX `releases_state_idx` ON `releases` (`state`,`created_at`);--> statement-breakpoint
CREATE INDEX `releases_requested_by_idx` ON `releases` (`requested_by`,`created_at`);--> statement-breakpoint
CREATE INDEX `releases_service_env_idx` ON `releases` (`service`,`environment`,`state`);--> statement-breakpoint
CREATE TABLE `reminders` (
	`release_id` integer NOT NULL,
	`stage_opened_at` integer NOT NULL,
	`user_id` text NOT NULL,
	`sent_count` integer DEFAULT 0 NOT NULL,
	`last_sent_at` integer,
	`snoozed_until` integer,
	PRIMARY KEY(`release_id`, `stage_opened_at`, `user_id`),
	FOREIGN KEY (`release_id`) REFERENCES `releases`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `role_assignments` (
	`scope` text NOT NULL,
	`role` text NOT NULL,
	`members` text NOT NULL,
	`updated_by` text NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`scope`, `role`)
);
--> statement-breakpoint
CREATE TABLE `sent_messages` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`dedupe_key` text,
	`method` text NOT NULL,
	`channel` text NOT NULL,
	`ts` text,
	`thread_ts` text,
	`release_id` integer,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sent_messages_dedupe_uq` ON `sent_messages` (`dedupe_key`);--> statement-breakpoint
CREATE INDEX `sent_messages_release_idx` ON `sent_messages` (`release_id`);