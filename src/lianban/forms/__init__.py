"""The forms room: one form from many (多表合一), prefill, validation, split back per department (拆分还原), the printable application."""
