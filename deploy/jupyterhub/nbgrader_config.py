"""nbgrader's settings for every server of the hub (students' and the formgrader service):
the course, and where its exchange is. setup.sh copies it to $RNN_COURSE_HUB_DIR/etc, which
jupyterhub_config.py puts on JUPYTER_CONFIG_PATH (with RNN_COURSE_EXCHANGE set).

The instructor's own settings (the grading plugins, the time limits, the gradebook: SQLite
in the course folder, or RNN_COURSE_GRADEBOOK) are the course folder's nbgrader_config.py,
a copy of the repository's, which nbgrader reads from the folder it runs in.
"""

import os

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)

c.CourseDirectory.course_id = "rnn-course"
c.Exchange.root = os.environ.get("RNN_COURSE_EXCHANGE", "/srv/rnn-course/exchange")
# Each student sees only this course's assignments, under ~/<assignment>/ (not ~/rnn-course/...).
c.Exchange.path_includes_course = False
