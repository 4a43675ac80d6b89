-- Which scorer produced an analysis (the built-in one, or a language model and which), and
-- what the model calls cost: tokens and latency, one JSON object per call.
ALTER TABLE analyses ADD COLUMN method TEXT NOT NULL DEFAULT 'builtin';
ALTER TABLE analyses ADD COLUMN model TEXT;
ALTER TABLE analyses ADD COLUMN usage TEXT NOT NULL DEFAULT '[]';
