-- A refusal that a flood repeats (a bad token, a probe of someone else's
-- ticket) is one row per minute and client, counting how many it stands
-- for; every other row stands for one.
ALTER TABLE audit ADD COLUMN count INTEGER NOT NULL DEFAULT 1;
