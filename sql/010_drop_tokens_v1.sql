-- tokens_v1 is no longer written or read (009 copied it into tokens_v2). On its own
-- migration so that 009 is recorded before the table it copies from is gone.
DROP TABLE IF EXISTS tokens_v1;
