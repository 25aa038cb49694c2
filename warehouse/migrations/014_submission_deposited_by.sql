-- Who deposited each file: the e-mail of the portal referent (from the portal's own ledger, which
-- establishments cannot write); NULL for a file dropped by SFTP or a shared folder.
ALTER TABLE submission ADD COLUMN deposited_by VARCHAR;
