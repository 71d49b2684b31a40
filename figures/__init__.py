"""Figure code shared by the dashboards and the reports: one palette, one number format, one chart
per shape. It draws indicator rows it is given; it never computes an indicator."""
