CREATE TABLE `window_overrides` (
	`environment` text PRIMARY KEY NOT NULL,
	`spec` text NOT NULL,
	`updated_by` text NOT NULL,
	`updated_at` integer NOT NULL
);
