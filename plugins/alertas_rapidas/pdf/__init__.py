"""PDF builders drawn directly with reportlab (platypus), for attachments where speed matters.

A builder is a function `(context, lang) -> bytes` named by an `Attachment.builder`
("module:function"); the renderer calls it instead of rendering the attachment's HTML template
through xhtml2pdf. It draws the same content as the template, about 10 times faster.
"""
