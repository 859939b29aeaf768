"""Text: names, Shakespeare, film reviews, dialogue, dates; language models, a classifier,
encoder–decoders.

- :mod:`~rnn_course.tasks.language.charlm`: A character-level language model over short
  strings (first names), for any model kind;
- :mod:`~rnn_course.tasks.language.shakespeare`: Shakespeare's plays as plain text, for a
  character-level language model;
- :mod:`~rnn_course.tasks.language.textlm`: A character-level language model of a long text,
  trained with truncated BPTT;
- :mod:`~rnn_course.tasks.language.reviews`: Movie-review sentences with human sentiment
  ratings, and a bag-of-words baseline;
- :mod:`~rnn_course.tasks.language.seqclass`: A many-to-one recurrent classifier: embedding,
  GRU, pooled state, output layer;
- :mod:`~rnn_course.tasks.language.dates`: Dates written by people in eight locales, paired
  with their ISO 8601 form;
- :mod:`~rnn_course.tasks.language.date_lists`: Lists of dates written by people, paired
  with the list of their ISO 8601 forms;
- :mod:`~rnn_course.tasks.language.dialog`: Pairs of lines from film scripts (a statement
  and the reply to it), for the chatbot section;
- :mod:`~rnn_course.tasks.language.seq2seq`: An encoder–decoder (sequence to sequence) for
  character strings, with greedy decoding;
- :mod:`~rnn_course.tasks.language.attention_seq2seq`: An encoder–decoder with attention
  (Bahdanau, Cho and Bengio, 2015) for character strings;
- :mod:`~rnn_course.tasks.language.ngram`: Counting baselines for a character-level language
  model: unigram and Kneser–Ney n-grams.
"""
