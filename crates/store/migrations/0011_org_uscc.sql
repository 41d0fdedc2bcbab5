-- An organisation's unified social credit code (GB 32100-2015), the key customs records carry for
-- an enterprise: with it an enterprise account sees its own trade. Optional, unique where given;
-- its check character is verified by the application before it is written.
ALTER TABLE organisations ADD COLUMN uscc TEXT CHECK (uscc IS NULL OR length(uscc) = 18);
CREATE UNIQUE INDEX organisations_uscc ON organisations (uscc) WHERE uscc IS NOT NULL;
