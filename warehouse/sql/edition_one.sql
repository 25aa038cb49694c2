-- One edition of a quarter.
SELECT * FROM edition WHERE quarter = $quarter AND number = $number
