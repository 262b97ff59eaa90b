-- The names a reward gave the attributes a redemption said, in the
-- reward's order, kept with the redemption as a JSON array of
-- [attribute_id, name] pairs (`reward::attribute_labels`): the history
-- line says "Size: M · Gift wrap: yes", and a later rename or removal of
-- an attribute does not rewrite it. Redemptions made before have none and
-- are said by their ids, as they were. An erasure clears it with the
-- attributes.
ALTER TABLE redemptions ADD COLUMN attribute_labels TEXT;
