CREATE TABLE `action_items` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`release_id` integer NOT NULL,
	`answer_id` integer NOT NULL,
	`text` text NOT NULL,
	`owner` text NOT NULL,
	`due` text NOT NULL,
	`due_at` integer NOT NULL,
	`reminded_at` integer,
	`done_at` integer,
	`done_by` text,
	FOREIGN KEY (`release_id`) REFERENCES `releases`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `action_items_open_idx` ON `action_items` (`done_at`,`due_at`);--> statement-breakpoint
CREATE TABLE `deploys` (
	`release_id` integer PRIMARY KEY NOT NULL,
	`service` text NOT NULL,
	`environment` text NOT NULL,
	`started_at` integer NOT NULL,
	`started_by` text NOT NULL,
	`url` text,
	`succeeded_at` integer,
	`failed_at` integer,
	`monitoring_until` integer,
	`probe_failures` integer DEFAULT 0 NOT NULL,
	`probe_ok` integer DEFAULT 0 NOT NULL,
	`alerted_at` integer,
	`checkin_at` integer,
	`released_at` integer,
	`incident_at` integer,
	`rollback_requested_at` integer,
	`rollback_by` text,
	`restored_at` integer,
	FOREIGN KEY (`release_id`) REFERENCES `releases`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `deploys_service_idx` ON `deploys` (`service`,`restored_at`);--> statement-breakpoint
CREATE TABLE `review_answers` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`release_id` integer NOT NULL,
	`user_id` text NOT NULL,
	`went_well` text NOT NULL,
	`improve` text NOT NULL,
	`incidents` text NOT NULL,
	`at` integer NOT NULL,
	FOREIGN KEY (`release_id`) REFERENCES `releases`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `review_answers_release_idx` ON `review_answers` (`release_id`);--> statement-breakpoint
CREATE TABLE `reviews` (
	`release_id` integer PRIMARY KEY NOT NULL,
	`channel` text NOT NULL,
	`ts` text,
	`opened_at` integer NOT NULL,
	`participants` text NOT NULL,
	`reminded_at` integer,
	`closed_at` integer,
	`closed_by` text,
	`summary` text,
	FOREIGN KEY (`release_id`) REFERENCES `releases`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `webhook_deliveries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`release_id` integer NOT NULL,
	`type` text NOT NULL,
	`key` text NOT NULL,
	`attempt` integer NOT NULL,
	`status_code` integer,
	`error` text,
	`at` integer NOT NULL,
	FOREIGN KEY (`release_id`) REFERENCES `releases`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `webhook_deliveries_key_idx` ON `webhook_deliveries` (`release_id`,`key`);