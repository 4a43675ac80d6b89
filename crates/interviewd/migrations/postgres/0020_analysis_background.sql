-- What the candidate said of their education and of their work experience, each their own
-- sentence (NULL when they did not speak of it).
ALTER TABLE analyses ADD COLUMN education TEXT;
ALTER TABLE analyses ADD COLUMN experience TEXT;
